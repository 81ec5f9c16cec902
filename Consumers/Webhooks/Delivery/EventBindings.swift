import AMQP
import Fleet
import Foundation
import Logging
import Postgres

/// Keeps the context's queue bound on the events exchange to exactly the binding keys its
/// enabled endpoints need, so the broker brings only events some endpoint wants and none at all
/// while there are no endpoints. Every process runs it; an advisory lock lets one at a time
/// compare and change, and `webhook_bindings` remembers what was bound across restarts.
///
/// It also forgets, now and then, deliveries made long ago and the events no delivery needs.
final class EventBindings: PeriodicTask {
    private let connections: WorkerConnections
    private let interval: Duration
    private let retention: Duration
    private let logger: Logger
    private var lastPruned = ContinuousClock.now

    static let lockKey = "airfleet.webhooks.bindings"

    init(environment: ContextDefinition.ServiceEnvironment, interval: Duration, retention: Duration) {
        connections = WorkerConnections(
            database: environment.database,
            amqp: environment.configuration.amqp.withConnectionName("\(WebhooksContext.name)@\(environment.configuration.processName) bindings"),
            confirms: false, logger: environment.logger)
        self.interval = interval
        self.retention = retention
        logger = environment.logger
    }

    func runDue() throws -> Duration {
        let db = try connections.postgres()
        try db.transaction {
            guard try db.query("SELECT pg_try_advisory_xact_lock(hashtext($1))", Self.lockKey).first!.decode(Bool.self, at: 0) else { return }
            let wanted = Set(try db.query(
                "SELECT DISTINCT unnest(binding_keys) FROM webhook_endpoints WHERE state = 'enabled'").map { try $0.decode(String.self, at: 0) })
            let bound = Set(try db.query("SELECT binding_key FROM webhook_bindings").map { try $0.decode(String.self, at: 0) })
            let queue = Topology.queue(of: WebhooksContext.name)
            for key in wanted.subtracting(bound).sorted() {
                try connections.channel().bindQueue(queue, exchange: Topology.eventsExchange, routingKey: key)
                try db.execute("INSERT INTO webhook_bindings (binding_key) VALUES ($1) ON CONFLICT DO NOTHING", key)
                logger.info("bound to events", metadata: ["binding_key": "\(key)"])
            }
            for key in bound.subtracting(wanted).sorted() {
                try connections.channel().unbindQueue(queue, exchange: Topology.eventsExchange, routingKey: key)
                try db.execute("DELETE FROM webhook_bindings WHERE binding_key = $1", key)
                logger.info("unbound from events", metadata: ["binding_key": "\(key)"])
            }
        }
        if ContinuousClock.now - lastPruned > .seconds(60) {
            try prune(db)
            lastPruned = .now
        }
        return interval
    }

    private func prune(_ db: PostgresConnection) throws {
        try db.execute(
            "DELETE FROM webhook_deliveries WHERE state = 'delivered' AND delivered_at < now() - make_interval(secs => $1)",
            retention.seconds)
        try db.execute(
            """
            DELETE FROM webhook_events ev WHERE received_at < now() - make_interval(secs => $1)
                AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.message_id = ev.message_id)
            """, retention.seconds)
    }

    func disconnect() { connections.disconnect() }
}
