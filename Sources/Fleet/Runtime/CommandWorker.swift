import AMQP
import Foundation
import Logging
import Postgres

/// Consumes a context's queue on a thread of its own, in micro-batches: each batch is handled in
/// one transaction (`BatchTransaction`), then settled with the broker (`BatchSettlement`).
/// The broker's confirms for one batch come in while the next one is handled, so their latency
/// overlaps the next transaction instead of adding to it; acknowledgements still go out in
/// delivery order.
final class CommandWorker {
    private let definition: ContextDefinition
    private let configuration: FleetConfiguration
    private let topology: Topology
    private let stop: StopSignal
    private let logger: Logger
    private let decoder = FleetJSON.decoder()
    private let router: FailureRouter
    private let database: ContextDatabase
    private let transaction: BatchTransaction
    private let timings: BatchTimings
    private let metrics: ConsumerMetrics
    private let batchSize: Int
    private var settlement: BatchSettlement?
    /// The last batch: committed, its messages sent, its confirms and acknowledgement still to come.
    private var unconfirmed: BatchSettlement.SentBatch?

    init(definition: ContextDefinition, configuration: FleetConfiguration, topology: Topology,
         database: PostgresConfiguration, stop: StopSignal, timings: BatchTimings, logger: Logger) {
        self.definition = definition
        self.timings = timings
        self.metrics = ConsumerMetrics(context: definition.name)
        self.batchSize = definition.batchSize(in: configuration)
        self.configuration = configuration
        self.topology = topology
        self.stop = stop
        self.logger = logger
        self.router = FailureRouter(context: definition.name, ladder: configuration.topology.retryLadder,
                                    consumer: "\(definition.name)@\(configuration.processName)")
        self.database = ContextDatabase(configuration: database, schema: configuration.schema(for: definition.name),
                                        genericPlans: true, logger: logger)
        self.transaction = BatchTransaction(definition: definition, configuration: configuration, database: self.database,
                                            timings: timings, logger: logger)
    }

    /// Runs until a stop is requested and the work in hand is done; reconnects on its own.
    func run() {
        runReconnecting("consumer", stop: stop, logger: logger, connect: connect, work: pump, disconnect: disconnect)
        database.close()
    }

    private func connect() throws {
        _ = try database.connected()
        guard settlement == nil else { return }
        let link = try BrokerLink(configuration: configuration.amqp, name: "\(definition.name)@\(configuration.processName)", logger: logger)
        try topology.declare(context: definition.name, on: link.consumeChannel)
        try link.startConsuming(queue: Topology.queue(of: definition.name),
                                prefetch: definition.prefetch(in: configuration),
                                priority: configuration.consumerPriority, tag: "\(definition.name)@\(configuration.processName)")
        settlement = BatchSettlement(link: link, router: router, configuration: configuration, timings: timings,
                                     metrics: metrics, logger: logger)
        logger.info("consuming", metadata: ["queue": "\(Topology.queue(of: definition.name))"])
    }

    private func disconnect() {
        // Its deliveries come again, and what they emitted is published again from the inbox.
        unconfirmed = nil
        settlement?.link.close()
        settlement = nil
    }

    private func pump() throws {
        guard let settlement else { return }
        let link = settlement.link
        while true {
            if stop.isRequested {
                let inFlight = try link.stopConsuming()
                for start in stride(from: 0, to: inFlight.count, by: batchSize) {
                    try process(Array(inFlight[start..<min(start + batchSize, inFlight.count)]), settlement)
                }
                try settleUnconfirmed(settlement)
                logger.info("drained", metadata: ["finished_in_flight": "\(inFlight.count)"])
                return
            }
            try link.publisher.serviceHeartbeats()
            // With a batch awaiting its confirms, look for more work without waiting: there is
            // none, so settle that batch now rather than hold its acknowledgement back.
            guard let first = try link.consumer.nextDelivery(timeout: unconfirmed == nil ? 0.25 : 0) else {
                try settleUnconfirmed(settlement)
                continue
            }
            var batch = [first]
            while batch.count < batchSize, let next = try link.consumer.nextDelivery(timeout: 0) {
                batch.append(next)
            }
            let started = ContinuousClock.now
            try process(batch, settlement)
            logger.trace("batch settled", metadata: [
                "size": "\(batch.count)", "ms": "\((ContinuousClock.now - started).milliseconds)"])
        }
    }

    /// Commits the batch and sends what it emitted, then settles the batch before it, whose
    /// confirms came in meanwhile.
    private func process(_ deliveries: [AMQPDelivery], _ settlement: BatchSettlement) throws {
        let messages = deliveries.map { InboundMessage(delivery: $0, registry: definition.registry, decoder: decoder) }
        var outcomes: [BatchOutcome]?
        defer { messages.endTraces(outcomes) }
        // A redelivery may be the message that killed the last process: handle each alone and
        // acknowledge it before the next, so one poison message cannot take its batch-mates down.
        if deliveries.contains(where: \.redelivered) {
            try settleUnconfirmed(settlement)
            outcomes = try messages.map { try processSuspect($0, settlement) }
        } else {
            let began = ContinuousClock.now
            try prepare(messages)
            let (handled, outgoing) = try transaction.handle(messages, clearingSuspects: false)
            metrics.recordBatch(messages, took: ContinuousClock.now - began)
            let sent = try settlement.send(messages, handled, outgoing)
            outcomes = handled
            try settleUnconfirmed(settlement)
            unconfirmed = sent
            timings.countBatch(of: messages.count)
        }
    }

    private func prepare(_ messages: [InboundMessage]) throws {
        guard let beforeBatch = definition.beforeBatch else { return }
        beforeBatch(try database.connected(), messages.compactMap(ContextDefinition.BatchMessage.init))
    }

    private func settleUnconfirmed(_ settlement: BatchSettlement) throws {
        guard let batch = unconfirmed else { return }
        unconfirmed = nil
        try settlement.settle(batch)
    }

    /// Handles a redelivered message alone, counting the processes that died handling it: past
    /// the crash limit it goes to the dead letters unhandled.
    private func processSuspect(_ message: InboundMessage, _ settlement: BatchSettlement) throws -> BatchOutcome {
        let store = MessageStore(database: try database.connected())
        if case .ready = message.content, message.delivery.redelivered {
            let starts = try store.recordStart(of: message.id)
            if starts > configuration.crashLimit {
                let failure = MessageFailure(kind: .crashedConsumer, reason: "consumer processes died \(starts) times while handling this message")
                try settlement.settle(try settlement.send([message], [.failed(failure)], []))
                try store.clearSuspects([message.id])
                return .failed(failure)
            }
        }
        let (outcomes, outgoing) = try transaction.handle([message], clearingSuspects: true)
        try settlement.settle(try settlement.send([message], outcomes, outgoing))
        if case .failed = outcomes[0] { try store.clearSuspects([message.id]) }
        return outcomes[0]
    }
}

/// A failure of the fleet's own machinery, with what to check.
public struct FleetError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
