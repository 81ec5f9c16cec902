import AMQP
import Fleet
import Foundation
import Logging
import Postgres

/// Reads a context's figures from the broker, its management API and the database. Blocking, like
/// the connections it holds: use it from one thread at a time.
public final class FleetStatusReader {
    /// The client property in which a consumer process names its metrics URL.
    public static let metricsClientProperty = "airfleet_metrics"

    private let configuration: FleetConfiguration
    private let connection: AMQPConnection
    private let channel: AMQPChannel
    private let management: ManagementClient?
    private let logger: Logger
    private var databases: [String: PostgresConnection] = [:]

    public init(configuration: FleetConfiguration, management: ManagementClient?, connectionName: String, logger: Logger) throws {
        self.configuration = configuration
        self.management = management
        self.logger = logger
        connection = try AMQPConnection(configuration.amqp.withConnectionName(connectionName), logger: logger)
        channel = try connection.openChannel()
    }

    public func figures(of context: String) throws -> ContextFigures {
        let queue = try channel.inspectQueue(Topology.queue(of: context))
        var retrying = 0
        for delay in configuration.topology.retryLadder.delays {
            retrying += try channel.inspectQueue(Topology.retryQueue(of: context, delay: delay))?.messageCount ?? 0
        }
        let deadLetters = Topology.deadLetterQueue(of: context)
        let dead = try channel.inspectQueue(deadLetters)?.messageCount ?? 0
        let details = managed(Topology.queue(of: context))
        return ContextFigures(
            context: context, ready: queue?.messageCount ?? 0, unacknowledged: details?["messages_unacknowledged"] as? Int,
            consumers: queue?.consumerCount ?? 0, retrying: retrying, dead: dead,
            oldestDeadSeconds: dead > 0 ? try oldestAge(deadLetters, context: context) : nil, outbox: try outboxBacklog(context),
            metrics: details.map(metricsURLs))
    }

    /// Peeks the head of a dead-letter queue and puts it back; the age is from when it failed.
    private func oldestAge(_ queue: String, context: String) throws -> Int? {
        guard let head = try channel.get(queue: queue, noAck: false) else { return nil }
        try channel.nack(head.deliveryTag, requeue: true)
        // Read as dlq reads it: the runtime's failed-at, or the time in the broker's own x-death.
        let failedAt = DeadLetter(delivery: head, context: context).failedAt ?? head.properties.timestamp
        return failedAt.map { max(0, Int(Date().timeIntervalSince($0))) }
    }

    /// The context's database, nil when it cannot be reached.
    public func database(for context: String) throws -> PostgresConnection? {
        if let open = databases[context] { return open }
        guard let opened = try? PostgresConnection(try configuration.database(for: context), logger: logger) else { return nil }
        databases[context] = opened
        return opened
    }

    private func outboxBacklog(_ context: String) throws -> Int? {
        let schema = configuration.schema(for: context)
        guard let database = try database(for: context) else { return nil }
        guard try database.query("SELECT to_regclass($1) IS NOT NULL", "\"\(schema)\".outbox").first?.decode(Bool.self, at: 0) == true else {
            return nil
        }
        return try database.query("SELECT count(*) FROM \"\(schema)\".outbox").first?.decode(Int.self, at: 0)
    }

    /// A queue as the management API shows it; nil when the API is not configured or does not answer.
    private func managed(_ queue: String) -> [String: Any]? {
        let vhost = ManagementClient.path(of: configuration.amqp.virtualHost)
        return management?.json("/api/queues/\(vhost)/\(queue)") as? [String: Any]
    }

    /// Where the processes consuming a queue serve their metrics: each names the URL among its
    /// connection's client properties (`metricsClientProperty`).
    private func metricsURLs(of queue: [String: Any]) -> [String] {
        let consumers = (queue["consumer_details"] as? [[String: Any]] ?? [])
            .compactMap { ($0["channel_details"] as? [String: Any])?["connection_name"] as? String }
        guard !consumers.isEmpty,
              let connections = management?.json("/api/connections?columns=name,client_properties") as? [[String: Any]] else { return [] }
        var urls: [String: String] = [:]
        for connection in connections {
            if let name = connection["name"] as? String,
               let url = (connection["client_properties"] as? [String: Any])?[Self.metricsClientProperty] as? String {
                urls[name] = url
            }
        }
        return Set(consumers.compactMap { urls[$0] }).sorted()
    }

    public func close() {
        databases.values.forEach { $0.close() }
        connection.close()
    }
}
