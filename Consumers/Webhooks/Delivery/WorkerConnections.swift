import AMQP
import Logging
import Postgres

/// The database connection and broker channel of one of the context's own workers, each opened
/// when first needed and again after a loss (`disconnect` drops both after any failure).
final class WorkerConnections {
    private let database: PostgresConfiguration
    private let amqp: AMQPConfiguration
    private let confirms: Bool
    private let logger: Logger
    private var connection: PostgresConnection?
    private var broker: (connection: AMQPConnection, channel: AMQPChannel)?

    /// - Parameter confirms: whether the channel waits for the broker's publisher confirms.
    init(database: PostgresConfiguration, amqp: AMQPConfiguration, confirms: Bool, logger: Logger) {
        self.database = database
        self.amqp = amqp
        self.confirms = confirms
        self.logger = logger
    }

    func postgres() throws -> PostgresConnection {
        if let connection, connection.isHealthy { return connection }
        connection?.close()
        let fresh = try PostgresConnection(database, logger: logger)
        connection = fresh
        return fresh
    }

    func channel() throws -> AMQPChannel {
        if let broker { return broker.channel }
        let connection = try AMQPConnection(amqp, logger: logger)
        let channel = try connection.openChannel()
        if confirms { try channel.enableConfirms() }
        broker = (connection, channel)
        return channel
    }

    func disconnect() {
        connection?.close()
        connection = nil
        broker?.connection.close()
        broker = nil
    }
}
