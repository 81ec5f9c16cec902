import Metrics
import Postgres

/// The sizes of a context's inbox and outbox, for Prometheus, read every 15 s by the outbox
/// sweep on the connection it holds anyway. The outbox is counted (it holds only what waits for
/// the broker); the inbox, which keeps every message id for weeks, is PostgreSQL's estimate, as
/// its autovacuum and ANALYZE last left it, so that no run scans it.
final class TableSizeGauges {
    static let interval = Duration.seconds(15)
    private let outbox: Gauge
    private let inbox: Gauge
    private var lastRead: ContinuousClock.Instant?

    init(context: String) {
        _ = ProcessMetrics.registry // bootstrapped before the first metric is made
        outbox = Gauge(label: "airfleet_outbox_messages", dimensions: [("context", context)])
        inbox = Gauge(label: "airfleet_inbox_messages_estimate", dimensions: [("context", context)])
    }

    /// Reads both sizes if the last reading is older than the interval.
    func refreshIfDue(_ database: PostgresConnection, now: ContinuousClock.Instant = .now) throws {
        if let lastRead, now - lastRead < Self.interval { return }
        lastRead = now
        guard let row = try database.query("""
            SELECT (SELECT count(*) FROM outbox),
                   (SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'inbox'::regclass)
            """).first else { return }
        outbox.record(try row.decode(Int.self, at: 0))
        inbox.record(try row.decode(Int.self, at: 1))
    }
}
