import AMQP
import Fleet
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Postgres

/// Reads a context's figures from the broker, its management API and the database.
final class StatusReader {
    private let configuration: FleetConfiguration
    private let connection: AMQPConnection
    private let channel: AMQPChannel
    private let management: URL?
    private var databases: [String: PostgresConnection] = [:]

    init(configuration: FleetConfiguration) throws {
        self.configuration = configuration
        connection = try AMQPConnection(configuration.amqp.withConnectionName("airfleet status"), logger: Environment.logger)
        channel = try connection.openChannel()
        management = Self.managementAPI(Environment.settings)
    }

    /// `AIRFLEET_RABBITMQ_API`, the management API that adds rates to the status; nil without it.
    static func managementAPI(_ settings: SettingsReader) -> URL? {
        settings.string("AIRFLEET_RABBITMQ_API").flatMap { URL(string: $0) }
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
        guard let management, var components = URLComponents(url: management, resolvingAgainstBaseURL: false) else { return nil }
        let user = components.user ?? "guest", password = components.password ?? "guest"
        components.user = nil
        components.password = nil
        let vhost = configuration.amqp.virtualHost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2F"
        guard let base = components.url, let url = URL(string: base.absoluteString + "/api/queues/\(vhost)/\(queue)") else { return nil }
        var request = URLRequest(url: url, timeoutInterval: 5)
        request.setValue("Basic " + Data("\(user):\(password)".utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, _, _ in
            answer.data = data
            done.signal()
        }.resume()
        done.wait()
        guard let data = answer.data, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["messages_unacknowledged"] as? Int
    }

    func close() {
        databases.values.forEach { $0.close() }
        connection.close()
    }
}

/// Carries the management API's answer from URLSession's thread to the waiting one.
private final class Answer: @unchecked Sendable {
    // Written once before the semaphore is signalled, read after the wait.
    var data: Data?
}
