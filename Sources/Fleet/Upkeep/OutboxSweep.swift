import Logging

/// Publishes outbox rows that a process left behind when it died between its commit and the
/// broker's confirms. A row is taken only once it is older than the sweep age, so the process
/// that wrote it has had time to publish it itself; a row published twice meets the receiver's inbox.
/// On the same connection it reads the inbox's and outbox's sizes for the process's metrics.
final class OutboxSweep: PeriodicTask {
    private let database: ContextDatabase
    private let publisher: OutboxPublisher
    private let age: Duration
    private let interval: Duration
    private let logger: Logger
    private let sizes: TableSizeGauges

    init(context: String, database: ContextDatabase, publisher: OutboxPublisher, age: Duration, interval: Duration, logger: Logger) {
        self.sizes = TableSizeGauges(context: context)
        self.database = database
        self.publisher = publisher
        self.age = age
        self.interval = interval
        self.logger = logger
    }

    func runDue() throws -> Duration {
        try publisher.keepAlive()
        let db = try database.connected()
        let store = MessageStore(database: db)
        try sizes.refreshIfDue(db)
        try db.transaction {
            let stale = try store.lockStale(olderThan: age, limit: 500)
            guard !stale.isEmpty else { return }
            let sent = stale.taken(by: try publisher.publish(stale), logger: logger)
            try store.remove(sent)
            logger.info("published outbox messages left by an earlier process", metadata: ["count": "\(sent.count)"])
        }
        return interval
    }

    func disconnect() {
        publisher.close()
        database.close()
    }
}
