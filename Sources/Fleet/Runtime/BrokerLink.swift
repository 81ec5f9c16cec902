import AMQP
import Logging

/// A worker's two broker connections: one consumes, one publishes with confirms.
///
/// They are apart because a blocking wait for publisher confirms must never sit on the
/// connection that deliveries arrive on, and because the broker throttles publishing
/// connections, which must not slow consumption.
final class BrokerLink {
    let consumer: AMQPConnection
    let consumeChannel: AMQPChannel
    let publisher: AMQPConnection
    let publishChannel: AMQPChannel
    private(set) var consumerTag: String?

    init(configuration: AMQPConfiguration, name: String, logger: Logger) throws {
        consumer = try AMQPConnection(configuration.withConnectionName("\(name) consume"), logger: logger)
        consumeChannel = try consumer.openChannel()
        publisher = try AMQPConnection(configuration.withConnectionName("\(name) publish"), logger: logger)
        publishChannel = try publisher.openChannel()
        try publishChannel.enableConfirms()
    }

    func startConsuming(queue: String, prefetch: Int, priority: Int, tag: String) throws {
        try consumeChannel.setPrefetch(UInt16(clamping: prefetch))
        consumerTag = try consumeChannel.consume(queue: queue, consumerTag: tag, arguments: ["x-priority": .int(Int64(priority))])
    }

    /// Stops the broker sending more; returns what it had already sent.
    func stopConsuming() throws -> [AMQPDelivery] {
        guard let consumerTag else { return [] }
        self.consumerTag = nil
        return try consumeChannel.cancel(consumerTag: consumerTag)
    }

    func close() {
        consumer.close()
        publisher.close()
    }
}
