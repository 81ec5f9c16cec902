import AMQP
import Fleet
import Foundation
import TestServers
import Logging
import Postgres

/// One test's own fleet: a fresh virtual host with its contexts' topology declared, a schema
/// prefix of its own in the test database, and the environment its consumer processes run with.
public final class TestFleet {
    public let contexts: [ContextDefinition]
    public let virtualHost: String
    public let schemaPrefix: String
    public let environment: [String: String]
    public let configuration: FleetConfiguration
    public let topology: Topology
    public let logger: Logger
    private var databaseConnection: PostgresConnection?
    private var running: [RunningService] = []
    private var processes: [TestbedProcess] = []

    /// - Parameters:
    ///   - settings: environment overrides, e.g. a short `AIRFLEET_RETRY_LADDER`.
    ///   - contexts: the contexts whose topology is declared and whose schemas are dropped at the end.
    public init(_ settings: [String: String] = [:], contexts: [ContextDefinition] = ProbeContexts.all()) throws {
        self.contexts = contexts
        let (name, url) = try TestServers.makeVirtualHost("fleet")
        virtualHost = name
        schemaPrefix = "\(TestServers.makeSchemaName("t"))_"
        var environment: [String: String] = [
            "AIRFLEET_AMQP_URL": url,
            "AIRFLEET_DATABASE_URL": try TestServers.databaseURL(),
            "AIRFLEET_SCHEMA_PREFIX": schemaPrefix,
            "AIRFLEET_RETRY_LADDER": "300ms,1s",
            "AIRFLEET_DELIVERY_LIMIT": "10",
            "AIRFLEET_OUTBOX_SWEEP_AGE": "1s",
            "AIRFLEET_OUTBOX_SWEEP_INTERVAL": "250ms",
            "AIRFLEET_DRAIN_TIMEOUT": "20s",
            "AIRFLEET_LOG_LEVEL": ProcessInfo.processInfo.environment["AIRFLEET_TEST_LOG_LEVEL"] ?? "notice",
        ]
        environment.merge(settings) { $1 }
        self.environment = environment
        configuration = try FleetConfiguration.fromEnvironment(environment)
        topology = Topology(settings: configuration.topology, contexts: contexts.map(\.topology))
        var logger = Logger(label: "test")
        logger.logLevel = Logger.Level(rawValue: environment["AIRFLEET_LOG_LEVEL"]!) ?? .notice
        self.logger = logger
        do {
            try Self.declare(topology, configuration.amqp, logger)
        } catch where "\(error)".contains("541") {
            // RabbitMQ 3.10's dead-letter supervisor stopped after an earlier test's broker
            // restart (TestServers.healBrokerAfterRestartTest): heal the broker, then declare again.
            TestServers.healBrokerAfterRestartTest()
            try Self.declare(topology, configuration.amqp, logger)
        }
    }

    private static func declare(_ topology: Topology, _ amqp: AMQPConfiguration, _ logger: Logger) throws {
        let connection = try AMQPConnection(amqp, logger: logger)
        defer { connection.close() }
        try topology.declare(on: try connection.openChannel())
    }

    /// Stops what the test started and removes its virtual host and schemas.
    public func tearDown() {
        for service in running { service.stop() }
        for process in processes { process.kill() }
        if let databaseConnection {
            for context in contexts.map(\.name) {
                _ = try? databaseConnection.execute("DROP SCHEMA IF EXISTS \"\(configuration.schema(for: context))\" CASCADE")
            }
            databaseConnection.close()
        }
        TestServers.deleteVirtualHost(virtualHost)
    }

    // MARK: Running consumers

    /// Runs a consumer service inside the test process, on its own thread.
    public func start(_ definition: ContextDefinition, settings: [String: String] = [:]) throws -> RunningService {
        let configuration = settings.isEmpty ? self.configuration
            : try FleetConfiguration.fromEnvironment(environment.merging(settings) { $1 })
        let service = RunningService(ConsumerService(definition: definition, topology: topology,
                                                     configuration: configuration, logger: logger))
        running.append(service)
        try service.waitUntilConsuming(queue: Topology.queue(of: definition.name), fleet: self)
        return service
    }

    /// Starts a `fleet-testbed` consumer process of a probe context.
    public func startProcess(_ context: String, settings: [String: String] = [:]) throws -> TestbedProcess {
        let process = try TestbedProcess(context: context, environment: environment.merging(settings) { $1 })
        processes.append(process)
        return process
    }

    // MARK: Broker

    public func publisher() throws -> Publisher {
        try Publisher(amqp: configuration.amqp, topology: topology, source: "airfleet/tests", logger: logger)
    }

    /// Publishes raw bodies straight into a context's queue, as a foreign client could.
    public func publishRaw(_ bodies: [(body: String, type: String?)], to queue: String) throws {
        let connection = try AMQPConnection(configuration.amqp, logger: logger)
        defer { connection.close() }
        let channel = try connection.openChannel()
        try channel.enableConfirms()
        let messages = bodies.map { item in
            AMQPOutgoingMessage(exchange: "", routingKey: queue, body: Data(item.body.utf8),
                                properties: AMQPProperties(messageId: UUID().uuidString, type: item.type), mandatory: true)
        }
        let outcomes = try channel.publishConfirmed(messages)
        guard outcomes.allSatisfy({ $0 == .confirmed }) else { throw FleetError("raw publish not confirmed: \(outcomes)") }
    }

    /// Messages ready in a queue and consumers on it, as the broker reports them.
    public func queueState(_ queue: String) throws -> AMQPQueueState {
        let connection = try AMQPConnection(configuration.amqp, logger: logger)
        defer { connection.close() }
        guard let state = try connection.openChannel().inspectQueue(queue) else {
            throw FleetError("queue \(queue) does not exist in \(virtualHost)")
        }
        return state
    }

    /// Takes every message out of a queue (acknowledged), for a test to look at.
    public func drain(_ queue: String) throws -> [AMQPDelivery] {
        let connection = try AMQPConnection(configuration.amqp, logger: logger)
        defer { connection.close() }
        let channel = try connection.openChannel()
        var deliveries: [AMQPDelivery] = []
        while let delivery = try channel.get(queue: queue, noAck: true) { deliveries.append(delivery) }
        return deliveries
    }

    /// Ready plus unacknowledged messages of a queue, from the management API.
    public func totalMessages(_ queue: String) throws -> Int {
        let api = try ManagementAPI(baseURL: try TestServers.managementURL())
        let info = try api.json("/api/queues/\(virtualHost)/\(queue)") as? [String: Any]
        return (info?["messages"] as? Int) ?? 0
    }

    // MARK: Database

    /// A connection to the test database; the test's schemas are reached by `schema(_:)`.
    public func database() throws -> PostgresConnection {
        if let databaseConnection { return databaseConnection }
        let connection = try PostgresConnection(try PostgresConfiguration(url: environment["AIRFLEET_DATABASE_URL"]!), logger: logger)
        databaseConnection = connection
        return connection
    }

    /// The quoted schema of a context, for SQL written by tests.
    public func schema(_ context: String) -> String { "\"\(configuration.schema(for: context))\"" }

    /// Runs a query that returns one integer, such as a count.
    public func integer(_ sql: String, _ parameters: (any PostgresEncodable)?...) throws -> Int {
        let rows = try database().query(sql, parameters)
        return try rows.first?.decode(Int?.self, at: 0) ?? 0
    }

    /// Runs a query that returns one text, or nil when it returns no row or NULL.
    public func string(_ sql: String, _ parameters: (any PostgresEncodable)?...) throws -> String? {
        let rows = try database().query(sql, parameters)
        return try rows.first?.decode(String?.self, at: 0)
    }

    /// Polls `condition` until it holds or `timeout` passes; then fails with `what`. An error
    /// thrown by the condition counts as "not yet" (a table not migrated yet, a broker
    /// restarting) and is reported if it is still there at the end.
    public func eventually(_ what: String, timeout: Duration = .seconds(20), _ condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        var lastError: (any Error)?
        while ContinuousClock.now < deadline {
            do {
                if try condition() { return }
                lastError = nil
            } catch {
                lastError = error
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw FleetError("timed out after \(formatDuration(timeout)) waiting until \(what)\(lastError.map { "; last error: \($0)" } ?? "")")
    }
}

/// A consumer service running on a thread of the test process.
public final class RunningService: @unchecked Sendable {
    // `finished` is signalled once by the thread; `error` is written before that and read after.
    private let service: ConsumerService
    private let finished = DispatchSemaphore(value: 0)
    private var error: (any Error)?
    private var stopped = false

    init(_ service: ConsumerService) {
        self.service = service
        Task { [self] in
            do { try await service.run() } catch { self.error = error }
            finished.signal()
        }
    }

    /// Where the service's command worker spent its time, batch by batch.
    public var batchTimings: BatchTimings { service.batchTimings }

    func waitUntilConsuming(queue: String, fleet: TestFleet) throws {
        try fleet.eventually("a consumer is on \(queue)", timeout: .seconds(30)) {
            if let error { throw error }
            return (try? fleet.queueState(queue).consumerCount) ?? 0 > 0
        }
    }

    /// Asks the service to drain and waits for it; rethrows what made it stop.
    public func stop(timeout: Duration = .seconds(30)) {
        guard !stopped else { return }
        stopped = true
        service.stop()
        _ = finished.wait(timeout: .now() + timeout.seconds)
    }
}
