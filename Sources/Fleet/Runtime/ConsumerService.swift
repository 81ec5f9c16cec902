import AMQP
import Foundation
import Logging
import Postgres

/// One consumer process of a context: migrates its schema, declares its topology, then runs a
/// command worker and a query worker on threads of their own until it is asked to stop.
public final class ConsumerService: Sendable {
    public let definition: ContextDefinition
    public let configuration: FleetConfiguration
    public let topology: Topology
    private let stopSignal = StopSignal()
    /// Where the command worker's time goes, batch by batch.
    public let batchTimings = BatchTimings()
    private let logger: Logger

    public init(definition: ContextDefinition, topology: Topology, configuration: FleetConfiguration, logger: Logger) {
        self.definition = definition
        self.topology = topology
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "context"] = "\(definition.name)"
        self.logger = logger
    }

    /// Asks the workers to drain and stop; safe from any thread or a signal handler's queue.
    public func stop() { stopSignal.request() }

    /// Prepares the schema and the queues, then blocks until both workers have stopped.
    /// Throws when preparing fails, or when a stop overruns the drain timeout.
    public func run() throws {
        let database = try configuration.database(for: definition.name)
        try prepare(database: database)
        var workers: [(String, () -> Void)] = [
            ("commands", CommandWorker(definition: definition, configuration: configuration, topology: topology,
                                       database: database, stop: stopSignal, timings: batchTimings, logger: logger).run),
        ]
        for index in 0..<configuration.queryWorkers {
            workers.append(("queries-\(index)", QueryWorker(definition: definition, configuration: configuration, index: index,
                                                             database: database, stop: stopSignal, logger: logger).run))
        }
        let finished = DispatchGroup()
        for (name, work) in workers {
            finished.enter()
            startWorkerThread(named: "\(definition.name)-\(name)") { work(); finished.leave() }
        }
        logger.info("started", metadata: ["process": "\(configuration.processName)"])
        // Wait for a stop, then give the workers the drain timeout to finish what they hold.
        while !stopSignal.isRequested { stopSignal.sleep(.seconds(3600)) }
        if finished.wait(timeout: .now() + configuration.drainTimeout.seconds) == .timedOut {
            throw FleetError("workers did not drain within \(formatDuration(configuration.drainTimeout)); unacknowledged messages return to the queue")
        }
        logger.info("stopped")
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

    /// Runs the service until SIGTERM or SIGINT, then drains; returns the process exit status.
    public func runUntilSignalled() -> Int32 {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let sources = [SIGTERM, SIGINT].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                logger.info("signal received; draining", metadata: ["signal": "\(number == SIGTERM ? "SIGTERM" : "SIGINT")"])
                stop()
            }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        do {
            try run()
            return 0
        } catch {
            logger.critical("consumer stopped with an error", metadata: ["error": "\(error)"])
            return 1
        }
    }
}
