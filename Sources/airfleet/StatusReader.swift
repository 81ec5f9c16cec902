import AMQP
import Fleet
import Foundation
import Postgres

/// Reads a context's figures from the broker, its management API and the database.
final class StatusReader {
    private let configuration: FleetConfiguration
    private let connection: AMQPConnection
    private let channel: AMQPChannel
    private let management: ManagementClient?
    private var databases: [String: PostgresConnection] = [:]

    init(configuration: FleetConfiguration) throws {
        self.configuration = configuration
        connection = try AMQPConnection(configuration.amqp.withConnectionName("airfleet status"), logger: Environment.logger)
        channel = try connection.openChannel()
        management = ManagementClient(Environment.settings)
    }


    func status(of context: String) throws -> StatusRow {
        let queue = try channel.inspectQueue(Topology.queue(of: context))
        var retrying = 0
        for delay in configuration.topology.retryLadder.delays {
            retrying += try channel.inspectQueue(Topology.retryQueue(of: context, delay: delay))?.messageCount ?? 0
        }
        let deadLetters = Topology.deadLetterQueue(of: context)
        let dead = try channel.inspectQueue(deadLetters)?.messageCount ?? 0
        return StatusRow(
            context: context, ready: queue?.messageCount ?? 0, unacknowledged: unacknowledged(Topology.queue(of: context)),
            consumers: queue?.consumerCount ?? 0, retrying: retrying, dead: dead,
            oldestDeadSeconds: dead > 0 ? try oldestAge(deadLetters, context: context) : nil, outbox: try outboxBacklog(context))
    }

    /// Peeks the head of a dead-letter queue and puts it back; the age is from when it failed.
    private func oldestAge(_ queue: String, context: String) throws -> Int? {
        guard let head = try channel.get(queue: queue, noAck: false) else { return nil }
        try channel.nack(head.deliveryTag, requeue: true)
        // Read as dlq reads it: the runtime's failed-at, or the time in the broker's own x-death.
        let failedAt = DeadLetter(delivery: head, context: context).failedAt ?? head.properties.timestamp
        return failedAt.map { max(0, Int(Date().timeIntervalSince($0))) }
    }

    private func outboxBacklog(_ context: String) throws -> Int? {
        let schema = configuration.schema(for: context)
        let database: PostgresConnection
        if let open = databases[context] {
            database = open
        } else {
            guard let opened = try? PostgresConnection(try configuration.database(for: context), logger: Environment.logger) else { return nil }
            databases[context] = opened
            database = opened
        }
        guard try database.query("SELECT to_regclass($1) IS NOT NULL", "\"\(schema)\".outbox").first?.decode(Bool.self, at: 0) == true else {
            return nil
        }
        return try database.query("SELECT count(*) FROM \"\(schema)\".outbox").first?.decode(Int.self, at: 0)
    }

    /// From the management API; nil when it is not configured or does not answer.
    private func unacknowledged(_ queue: String) -> Int? {
        let vhost = ManagementClient.path(of: configuration.amqp.virtualHost)
        return (management?.json("/api/queues/\(vhost)/\(queue)") as? [String: Any])?["messages_unacknowledged"] as? Int
    }

    func close() {
        databases.values.forEach { $0.close() }
        connection.close()
    }
}
