import AMQP
import Foundation
import Logging
import Postgres
import ServiceLifecycle
import Synchronization

/// One consumer process of a context: migrates its schema and declares its topology, then runs
/// its workers as one `ServiceGroup` until a graceful shutdown: the command worker, the query
/// workers, and the upkeep beside them (outbox sweep, scheduled jobs, inbox pruning), each on a
/// thread and connections of its own. The command worker is stopped first, so what it drains
/// still finds the others running.
public final class ConsumerService: Service, Sendable {
    public let definition: ContextDefinition
    public let configuration: FleetConfiguration
    public let topology: Topology
    /// Where the command worker's time goes, batch by batch.
    public let batchTimings = BatchTimings()
    private let logger: Logger
    private let state = Mutex<(group: ServiceGroup?, stopRequested: Bool)>((nil, false))

    public init(definition: ContextDefinition, topology: Topology, configuration: FleetConfiguration, logger: Logger) {
        self.definition = definition
        self.topology = topology
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "context"] = "\(definition.name)"
        self.logger = logger
    }

    /// Asks the workers to drain and stop, as a graceful shutdown does; safe from any thread.
    public func stop() {
        let group = state.withLock { state in
            state.stopRequested = true
            return state.group
        }
        guard let group else { return }
        logger.info("asked to stop; draining")
        Task { await group.triggerGracefulShutdown() }
    }

    /// Prepares the schema and the queues, then runs the workers until a graceful shutdown (or
    /// `stop()`) and their drain. Throws when preparing fails, or when a worker overruns the
    /// drain timeout.
    public func run() async throws {
        let database = try configuration.database(for: definition.name)
        try await onWorkerThread(named: "\(definition.name)-setup") { [self] in try prepare(database: database) }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: workers(database: database).map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            logger: logger))
        let stopRequested = state.withLock { state in
            state.group = group
            return state.stopRequested
        }
        if stopRequested { await group.triggerGracefulShutdown() }
        logger.info("started", metadata: ["process": "\(configuration.processName)"])
        try await withGracefulShutdownHandler {
            try await group.run()
        } onGracefulShutdown: { [logger] in
            logger.info("asked to stop; draining")
        }
        logger.info("stopped")
    }

    /// Runs the service until SIGTERM or SIGINT, then drains; returns the process exit status.
    public func runUntilSignalled() async -> Int32 {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [ServiceGroupConfiguration.ServiceConfiguration(service: self, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
            return 0
        } catch {
            logger.critical("consumer stopped with an error", metadata: ["error": "\(error)"])
            return 1
        }
    }

    /// In the order they start; a graceful shutdown stops them from the last to the first.
    private func workers(database: PostgresConfiguration) -> [ThreadService] {
        let name = definition.name, drain = configuration.drainTimeout
        let (definition, configuration, topology, timings, logger) = (definition, configuration, topology, batchTimings, logger)
        let schema = configuration.schema(for: name)
        let upkeepDatabase = { @Sendable in ContextDatabase(configuration: database, schema: schema, logger: logger) }
        let publisher = { @Sendable (task: String) in
            OutboxPublisher(configuration: configuration.amqp, name: "\(name)@\(configuration.processName) \(task)", logger: logger)
        }
        var workers = [
            ThreadService.periodic("\(name)-inbox-pruning", drainTimeout: drain, logger: logger) {
                InboxPruning(database: upkeepDatabase(), retention: configuration.inboxRetention, logger: logger)
            },
            ThreadService.periodic("\(name)-outbox-sweep", drainTimeout: drain, logger: logger) {
                OutboxSweep(context: name, database: upkeepDatabase(), publisher: publisher("outbox sweep"), age: configuration.outboxSweepAge,
                            interval: configuration.outboxSweepInterval, logger: logger)
            },
        ]
        let jobs = definition.registry.jobs
        if !jobs.isEmpty {
            workers.append(ThreadService.periodic("\(name)-jobs", drainTimeout: drain, logger: logger) {
                ScheduledJobs(jobs: jobs, contextName: name, database: upkeepDatabase(), publisher: publisher("jobs"), logger: logger)
            })
        }
        if let services = definition.services {
            var own = database
            own.settings["search_path"] = "\"\(schema)\", public"
            workers += services(ContextDefinition.ServiceEnvironment(configuration: configuration, database: own, logger: logger))
        }
        for index in 0..<configuration.queryWorkers {
            workers.append(ThreadService(name: "\(name)-queries-\(index)", drainTimeout: drain) { stop in
                QueryWorker(definition: definition, configuration: configuration, index: index, database: database,
                            stop: stop, logger: logger).run()
            })
        }
        workers.append(ThreadService(name: "\(name)-commands", drainTimeout: drain) { stop in
            CommandWorker(definition: definition, configuration: configuration, topology: topology, database: database,
                          stop: stop, timings: timings, logger: logger).run()
        })
        return workers
    }

    private func prepare(database: PostgresConfiguration) throws {
        let connection = try PostgresConnection(database, logger: logger)
        defer { connection.close() }
        let applied = try definition.migrate(schema: configuration.schema(for: definition.name), on: connection, logger: logger)
        if !applied.isEmpty { logger.info("migrated", metadata: ["applied": "\(applied.joined(separator: ","))"]) }
        try definition.startup?(configuration, logger)
        let broker = try AMQPConnection(configuration.amqp.withConnectionName("\(definition.name)@\(configuration.processName) setup"), logger: logger)
        defer { broker.close() }
        try topology.declare(context: definition.name, on: try broker.openChannel())
    }
}
