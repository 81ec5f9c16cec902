import AMQP
import Logging

/// A publishing connection with confirms for the outbox's rows, opened when first needed and
/// again after a loss.
final class OutboxPublisher {
    private let configuration: AMQPConfiguration
    private let logger: Logger
    private var connection: AMQPConnection?
    private var channel: AMQPChannel?

    init(configuration: AMQPConfiguration, name: String, logger: Logger) {
        self.configuration = configuration.withConnectionName(name)
        self.logger = logger
    }

    /// Publishes messages and their reply copies in one confirmed batch; returns the outcomes
    /// of the messages themselves (a copy's fate decides nothing).
    func publish(_ messages: [OutgoingMessage]) throws -> [AMQPPublishOutcome] {
        Array(try connected().publishConfirmed(messages.withReplyCopies).prefix(messages.count))
    }

    /// Answers the broker's heartbeats while the connection has nothing to publish.
    func keepAlive() throws { try connection?.serviceHeartbeats() }

    func close() {
        connection?.close()
        connection = nil
        channel = nil
    }

    private func connected() throws -> AMQPChannel {
        if let channel { return channel }
        let connection = try AMQPConnection(configuration, logger: logger)
        let channel = try connection.openChannel()
        try channel.enableConfirms()
        self.connection = connection
        self.channel = channel
        return channel
    }
}
