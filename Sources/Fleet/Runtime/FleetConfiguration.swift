import AMQP
import Foundation
import Postgres
import Settings

/// Everything a fleet process reads from its environment, each with a local default.
public struct FleetConfiguration: Sendable {
    public var amqp: AMQPConfiguration
    /// `AIRFLEET_DATABASE_URL`, or `AIRFLEET_<CONTEXT>_DATABASE_URL` for one context.
    public var databaseURLs: DatabaseURLs
    /// Put before each context's schema name, so several fleets (or tests) share one database.
    public var schemaPrefix: String
    public var topology: TopologySettings
    /// Unacknowledged deliveries the broker may push to one process ahead of its work.
    public var prefetch: Int
    /// Deliveries handled in one database transaction and acknowledged together.
    public var batchSize: Int
    /// This process's consumer priority on its context's queue: the broker fills the prefetch of
    /// the highest before it hands anything to the next, so a load one process can carry stays
    /// in whole batches on one process instead of spreading thin over all of them.
    public var consumerPriority: Int
    public var queryPrefetch: Int
    /// Query workers per process, each with its own connections, so one slow query (a bcrypt
    /// login, a large search) does not hold up the others.
    public var queryWorkers: Int
    /// Times a process may die while handling one message before that message is dead-lettered.
    public var crashLimit: Int
    /// How long SIGTERM waits for work in hand before the process gives up and exits.
    public var drainTimeout: Duration
    /// Outbox rows older than this are published by whichever process sweeps first.
    public var outboxSweepAge: Duration
    public var outboxSweepInterval: Duration
    /// How long a handled message id is remembered against duplicates.
    public var inboxRetention: Duration
    public var failpoints: Failpoints
    /// Names this process in logs, dead-letter headers and the broker's connection list.
    public var processName: String
    /// Where a consumer process serves its Prometheus metrics: a port of its own (0: one the
    /// system picks, so that several processes of a machine never collide), nil when off.
    public var metricsPort: Int?
    public var metricsHost: String

    public struct DatabaseURLs: Sendable {
        public var shared: String
        public var perContext: [String: String]

        public func url(for context: String) -> String { perContext[context] ?? shared }
    }

    /// The local defaults of the two servers, as ops/up runs them; every process that reads
    /// these settings takes its defaults from here.
    public static let defaultAMQPURL = "amqp://guest:guest@127.0.0.1:5672/"
    public static let defaultDatabaseURL = "postgres://airfleet@127.0.0.1:5432/airfleet"

    public static func fromEnvironment(_ environment: [String: String]) throws -> FleetConfiguration {
        try read(SettingsReader(environment: environment))
    }

    /// The broker of `AIRFLEET_AMQP_URL`, for every process that talks to it.
    public static func broker(reading reader: SettingsReader) throws -> AMQPConfiguration {
        try AMQPConfiguration(url: reader.string("AIRFLEET_AMQP_URL", default: defaultAMQPURL))
    }

    public static func read(_ reader: SettingsReader) throws -> FleetConfiguration {
        var perContext: [String: String] = [:]
        for name in reader.names(prefix: "AIRFLEET_", suffix: "_DATABASE_URL") where name != "AIRFLEET_DATABASE_URL" {
            let context = name.dropFirst("AIRFLEET_".count).dropLast("_DATABASE_URL".count).lowercased()
            perContext[String(context)] = reader.string(name)
        }
        let prefix = reader.string("AIRFLEET_SCHEMA_PREFIX", default: "")
        guard prefix.isEmpty || prefix.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
            throw ConfigurationError("AIRFLEET_SCHEMA_PREFIX: '\(prefix)' may hold only lowercase letters, digits and _")
        }
        let host = ProcessInfo.processInfo.hostName
        return FleetConfiguration(
            amqp: try broker(reading: reader),
            databaseURLs: DatabaseURLs(
                shared: reader.string("AIRFLEET_DATABASE_URL", default: defaultDatabaseURL),
                perContext: perContext),
            schemaPrefix: prefix,
            topology: TopologySettings(
                deliveryLimit: try reader.integer("AIRFLEET_DELIVERY_LIMIT", default: 20, range: 1...1000),
                retryLadder: try RetryLadder(parsing: reader.string("AIRFLEET_RETRY_LADDER", default: RetryLadder.standard.description)),
                queryQueueLimit: try reader.integer("AIRFLEET_QUERY_QUEUE_LIMIT", default: 10_000, range: 1...10_000_000)),
            prefetch: try reader.integer("AIRFLEET_PREFETCH", default: 300, range: 1...65535),
            batchSize: try reader.integer("AIRFLEET_BATCH_SIZE", default: 100, range: 1...5000),
            // Drawn at random by default, so that the processes of a context rank apart.
            consumerPriority: try reader.integer("AIRFLEET_CONSUMER_PRIORITY", range: 0...Int(Int32.max))
                ?? Int.random(in: 1...1_000_000),
            queryPrefetch: try reader.integer("AIRFLEET_QUERY_PREFETCH", default: 8, range: 1...65535),
            queryWorkers: try reader.integer("AIRFLEET_QUERY_WORKERS", default: 2, range: 1...64),
            crashLimit: try reader.integer("AIRFLEET_CRASH_LIMIT", default: 3, range: 1...1000),
            drainTimeout: try reader.duration("AIRFLEET_DRAIN_TIMEOUT", default: .seconds(30)),
            outboxSweepAge: try reader.duration("AIRFLEET_OUTBOX_SWEEP_AGE", default: .seconds(5)),
            outboxSweepInterval: try reader.duration("AIRFLEET_OUTBOX_SWEEP_INTERVAL", default: .seconds(1)),
            inboxRetention: try reader.duration("AIRFLEET_INBOX_RETENTION", default: .seconds(30 * 24 * 3600)),
            failpoints: try Failpoints(parsing: reader.string("AIRFLEET_FAILPOINTS", default: "")),
            processName: "\(host):\(getpid())",
            metricsPort: try metricsPort(reader),
            metricsHost: reader.string("AIRFLEET_METRICS_HOST", default: "127.0.0.1"))
    }

    /// `AIRFLEET_METRICS_PORT`: a port, 0 for one the system picks (the default), or `off`.
    private static func metricsPort(_ reader: SettingsReader) throws -> Int? {
        let text = reader.string("AIRFLEET_METRICS_PORT", default: "0")
        if text.lowercased() == "off" { return nil }
        guard let port = Int(text), (0...65_535).contains(port) else {
            throw ConfigurationError("AIRFLEET_METRICS_PORT: '\(text)' must be a port from 0 to 65535 (0: one the system picks) or off")
        }
        return port
    }

    /// The schema a context's tables live in.
    public func schema(for context: String) -> String {
        schemaPrefix + context.replacingOccurrences(of: "-", with: "_")
    }

    public func database(for context: String) throws -> PostgresConfiguration {
        var configuration = try PostgresConfiguration(url: databaseURLs.url(for: context))
        configuration.applicationName = "airfleet-\(context)"
        return configuration
    }
}
