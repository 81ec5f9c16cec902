import Logging
import Postgres

/// The database connection of one worker, opened lazily, reopened after a loss, with the
/// context's schema first on the search path so handlers write unqualified table names.
final class ContextDatabase {
    let configuration: PostgresConfiguration
    private let logger: Logger
    private var connection: PostgresConnection?

    /// - Parameter genericPlans: plans each prepared statement once for the session. A handler's
    ///   statements are key lookups run thousands of times, and in PostgreSQL's default mode the
    ///   planner compares its generic plan with plans made for the values at hand; where the data
    ///   is skewed (a fresh flight, a burst of held holds) it keeps planning every call anew,
    ///   which cost more than running the statement. Searches, whose best plan does depend on
    ///   the values, keep the default.
    init(configuration: PostgresConfiguration, schema: String, genericPlans: Bool = false, logger: Logger) {
        var configuration = configuration
        // Session settings, so the connection re-applies them after every reconnect.
        configuration.settings["search_path"] = "\"\(schema)\", public"
        if genericPlans { configuration.settings["plan_cache_mode"] = "force_generic_plan" }
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
