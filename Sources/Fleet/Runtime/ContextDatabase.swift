import Logging
import Postgres

/// The database connection of one worker, opened lazily, reopened after a loss, with the
/// context's schema first on the search path so handlers write unqualified table names.
final class ContextDatabase {
    let configuration: PostgresConfiguration
    private let logger: Logger
    private var connection: PostgresConnection?

    init(configuration: PostgresConfiguration, schema: String, logger: Logger) {
        var configuration = configuration
        // A session setting, so the connection re-applies it after every reconnect.
        configuration.settings["search_path"] = "\"\(schema)\", public"
        self.configuration = configuration
        self.logger = logger
    }

    /// A healthy connection, reconnecting if the last one was lost.
    func connected() throws -> PostgresConnection {
        if let connection, connection.isHealthy { return connection }
        if let connection {
            try connection.reconnect()
            logger.info("database connection restored")
            return connection
        }
        let fresh = try PostgresConnection(configuration, logger: logger)
        connection = fresh
        return fresh
    }

    func close() {
        connection?.close()
        connection = nil
    }
}
