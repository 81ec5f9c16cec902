import Logging

/// Deletes inbox rows older than the retention: a message redelivered after that long would no
/// longer be recognised, which is why the retention is counted in days.
final class InboxPruning: PeriodicTask {
    static let interval = Duration.seconds(600)
    private let database: ContextDatabase
    private let retention: Duration
    private let logger: Logger
    private var firstRun = true

    init(database: ContextDatabase, retention: Duration, logger: Logger) {
        self.database = database
        self.retention = retention
        self.logger = logger
    }

    func runDue() throws -> Duration {
        // A process that restarts often must not prune at every start.
        if firstRun {
            firstRun = false
            return Self.interval
        }
        // Ten minutes apart, a connection held in between would sit idle: open one per run.
        defer { database.close() }
        let pruned = try MessageStore(database: try database.connected()).pruneInbox(olderThan: retention)
        if pruned > 0 { logger.info("pruned inbox", metadata: ["rows": "\(pruned)"]) }
        return Self.interval
    }

    func disconnect() { database.close() }
}
