import AMQP
import Foundation
import Logging
import Postgres

/// Consumes a context's queue on a thread of its own: micro-batches of deliveries, each batch
/// handled in one transaction that records every message in the inbox with what it emitted,
/// what they emitted published with confirms after commit, failures sent up the retry ladder
/// or to the dead letters, then one acknowledgement for the batch.
final class CommandWorker {
    private let definition: ContextDefinition
    private let configuration: FleetConfiguration
    private let topology: Topology
    private let stop: StopSignal
    private let logger: Logger
    private let decoder = FleetJSON.decoder()
    private let router: FailureRouter
    private let database: ContextDatabase
    private var link: BrokerLink?
    private var lastSweep = ContinuousClock.now
    private var lastPrune = ContinuousClock.now
    private var jobsDue: [String: ContinuousClock.Instant] = [:]
    /// The last batch: committed, its messages sent, its confirms and acknowledgement still to come.
    private var unconfirmed: SentBatch?
    /// Outbox rows of scheduled jobs the broker has confirmed: deleted in the next batch's
    /// transaction, or on their own when no batch follows soon.
    private var confirmedOutbox: [String] = []
    private let timings: BatchTimings
    private let batchSize: Int

    init(definition: ContextDefinition, configuration: FleetConfiguration, topology: Topology,
         database: PostgresConfiguration, stop: StopSignal, timings: BatchTimings, logger: Logger) {
        self.definition = definition
        self.timings = timings
        self.batchSize = definition.batchSize(in: configuration)
        self.configuration = configuration
        self.topology = topology
        self.stop = stop
        self.logger = logger
        self.router = FailureRouter(context: definition.name, ladder: configuration.topology.retryLadder,
                                    consumer: "\(definition.name)@\(configuration.processName)")
        self.database = ContextDatabase(configuration: database, schema: configuration.schema(for: definition.name),
                                        genericPlans: true, logger: logger)
    }

    /// Runs until a stop is requested and the work in hand is done; reconnects on its own.
    func run() {
        runReconnecting("consumer", stop: stop, logger: logger, connect: connect, work: pump, disconnect: disconnect)
        database.close()
    }

    private func connect() throws {
        _ = try database.connected()
        guard link == nil else { return }
        let link = try BrokerLink(configuration: configuration.amqp, name: "\(definition.name)@\(configuration.processName)", logger: logger)
        try topology.declare(context: definition.name, on: link.consumeChannel)
        try link.startConsuming(queue: Topology.queue(of: definition.name),
                                prefetch: definition.prefetch(in: configuration),
                                priority: configuration.consumerPriority, tag: "\(definition.name)@\(configuration.processName)")
        self.link = link
        logger.info("consuming", metadata: ["queue": "\(Topology.queue(of: definition.name))"])
    }

    private func disconnect() {
        // Its deliveries come again, and what they emitted is published again from the inbox.
        unconfirmed = nil
        link?.close()
        link = nil
    }

    private func pump() throws {
        guard let link else { return }
        while true {
            if stop.isRequested {
                let inFlight = try link.stopConsuming()
                for start in stride(from: 0, to: inFlight.count, by: batchSize) {
                    try process(Array(inFlight[start..<min(start + batchSize, inFlight.count)]))
                }
                try settleUnconfirmed(removingOutboxRows: true)
                logger.info("drained", metadata: ["finished_in_flight": "\(inFlight.count)"])
                return
            }
            try maintain(link)
            // With a batch awaiting its confirms, look for more work without waiting: there is
            // none, so settle that batch now rather than hold its acknowledgement back.
            guard let first = try link.consumer.nextDelivery(timeout: unconfirmed == nil ? 0.25 : 0) else {
                try settleUnconfirmed(removingOutboxRows: true)
                continue
            }
            var batch = [first]
            while batch.count < batchSize, let next = try link.consumer.nextDelivery(timeout: 0) {
                batch.append(next)
            }
            let started = ContinuousClock.now
            try process(batch)
            logger.trace("batch settled", metadata: [
                "size": "\(batch.count)", "ms": "\((ContinuousClock.now - started).milliseconds)"])
        }
    }

    // MARK: Batches

    private enum Outcome {
        case handled, duplicate
        case failed(MessageFailure)
    }

    private struct HandlerFailure: Error {
        let index: Int
        let error: any Error
    }

    /// A committed batch whose messages were sent: once the broker confirms them, the batch is
    /// acknowledged.
    private struct SentBatch {
        let messages: [InboundMessage]
        let outcomes: [Outcome]
        let outgoing: [OutgoingMessage]
        let sequences: [UInt64]
    }

    /// Commits the batch and sends what it emitted, then settles the batch before it, whose
    /// confirms came in meanwhile: the broker's confirm latency overlaps the next transaction
    /// instead of adding to it. Acknowledgements still go out in delivery order.
    private func process(_ deliveries: [AMQPDelivery]) throws {
        let messages = deliveries.map { InboundMessage(delivery: $0, registry: definition.registry, decoder: decoder) }
        // A redelivery may be the message that killed the last process: handle each alone and
        // acknowledge it before the next, so one poison message cannot take its batch-mates down.
        if deliveries.contains(where: \.redelivered) {
            try settleUnconfirmed()
            for message in messages { try processSuspect(message) }
        } else {
            try prepare(messages)
            let (outcomes, outgoing) = try handle(messages, clearingSuspects: false)
            let sent = SentBatch(messages: messages, outcomes: outcomes, outgoing: outgoing, sequences: try send(outgoing))
            try settleUnconfirmed()
            unconfirmed = sent
            timings.countBatch(of: messages.count)
        }
    }

    private func prepare(_ messages: [InboundMessage]) throws {
        guard let beforeBatch = definition.beforeBatch else { return }
        let batch = messages.compactMap { message -> ContextDefinition.BatchMessage? in
            guard case .ready(let header, let data, _) = message.content else { return nil }
            return ContextDefinition.BatchMessage(type: header.type, data: data, attempt: message.attempt)
        }
        beforeBatch(try database.connected(), batch)
    }

    /// Settles the batch awaiting its confirms. With `removingOutboxRows` (no batch follows to
    /// take them along), the confirmed outbox rows are deleted before the acknowledgement.
    private func settleUnconfirmed(removingOutboxRows: Bool = false) throws {
        guard let batch = unconfirmed else {
            if removingOutboxRows { try removeConfirmedOutbox() }
            return
        }
        unconfirmed = nil
        try settle(batch, removingOutboxRows: removingOutboxRows)
    }

    private func settle(_ batch: SentBatch, removingOutboxRows: Bool) throws {
        if try confirm(batch.outgoing, batch.sequences).refused > 0 {
            // Acknowledging would lose what the broker refused; without an acknowledgement the
            // batch comes back, meets its inbox rows, and publishes what it emitted again.
            throw FleetError("the broker refused messages a batch emitted; reconnecting so that the batch comes back and publishes them again")
        }
        if removingOutboxRows { try removeConfirmedOutbox() }
        try finish(batch.messages, batch.outcomes)
    }

    private func processSuspect(_ message: InboundMessage) throws {
        let store = MessageStore(database: try database.connected())
        if case .ready = message.content, message.delivery.redelivered {
            let starts = try store.recordStart(of: message.id)
            if starts > configuration.crashLimit {
                let failure = MessageFailure(kind: .crashedConsumer, reason: "consumer processes died \(starts) times while handling this message")
                try finish([message], [.failed(failure)])
                try store.clearSuspects([message.id])
                return
            }
        }
        let (outcomes, outgoing) = try handle([message], clearingSuspects: true)
        try settle(SentBatch(messages: [message], outcomes: outcomes, outgoing: outgoing, sequences: try send(outgoing)),
                   removingOutboxRows: true)
        if case .failed = outcomes[0] { try store.clearSuspects([message.id]) }
    }

    /// Runs the handlers of a batch in one transaction. A handler that throws is taken out and
    /// the rest run again, so its failure costs its batch-mates a retry, never their outcome.
    private func handle(_ messages: [InboundMessage], clearingSuspects: Bool) throws -> ([Outcome], [OutgoingMessage]) {
        var outcomes: [Outcome?] = messages.map { message in
            if case .failed(let failure) = message.content { return .failed(failure) }
            return nil
        }
        var conflicts = 0, recordedElsewhere = 0
        var outgoing: [OutgoingMessage] = []
        // A message delivered for the first time has almost always not been handled before, so
        // the inbox is asked about it only when recording it there fails or its handler does.
        var lookingUp = clearingSuspects
        while true {
            let active = outcomes.indices.filter { outcomes[$0] == nil }
            guard !active.isEmpty else { break }
            do {
                let began = ContinuousClock.now
                let deleting = confirmedOutbox
                let result = try runTransaction(messages, active, lookingUp: lookingUp, clearingSuspects: clearingSuspects,
                                                deleting: deleting)
                confirmedOutbox.removeFirst(deleting.count)
                timings.add(.transaction, ContinuousClock.now - began)
                for index in result.handled { outcomes[index] = .handled }
                for index in result.duplicates { outcomes[index] = .duplicate }
                configuration.failpoints.hit(.afterCommit)
                outgoing = result.outgoing
                break
            } catch is RecordedElsewhere where recordedElsewhere < 3 {
                // Its effects were rolled back; handled again, the batch finds the other's inbox row.
                recordedElsewhere += 1
                lookingUp = true
                logger.info("a message of this batch was handled before; handling the batch again")
            } catch let failure as HandlerFailure {
                if let error = failure.error as? PostgresError {
                    if error.isConnectionLost { throw error }
                    // Serialization failures and deadlocks are about timing, not the message.
                    if error.isRetryable, conflicts < 3 { conflicts += 1; continue }
                }
                // A message handled before may fail where its first handling succeeded.
                if !lookingUp, try wasHandledBefore(messages[failure.index]) {
                    outcomes[failure.index] = .duplicate
                    continue
                }
                let messageFailure = MessageFailure.from(handlerError: failure.error)
                logger.warning("handler failed", metadata: messageMetadata(messages[failure.index]).merging([
                    "error_kind": "\(messageFailure.kind.rawValue)", "error": "\(messageFailure.reason)",
                ]) { $1 })
                outcomes[failure.index] = .failed(messageFailure)
            }
        }
        return (outcomes.map { $0! }, outgoing)
    }

    private func wasHandledBefore(_ message: InboundMessage) throws -> Bool {
        try !MessageStore(database: try database.connected()).handled(among: [message.id]).isEmpty
    }

    private func runTransaction(_ messages: [InboundMessage], _ active: [Int], lookingUp: Bool, clearingSuspects: Bool,
                                deleting confirmed: [String]) throws
        -> (handled: [Int], duplicates: [Int], outgoing: [OutgoingMessage])
    {
        let db = try database.connected()
        let store = MessageStore(database: db)
        return try db.transaction {
            let looking = ContinuousClock.now
            let earlier = lookingUp ? try store.handled(among: active.map { messages[$0].id }) : [:]
            let handling = ContinuousClock.now
            timings.add(.claim, handling - looking)
            let batchWrites = BatchWrites(database: db)
            var seen = Set<String>()
            var handled: [Int] = [], duplicates: [Int] = [], outgoing: [OutgoingMessage] = [], records: [HandledMessage] = []
            for index in active {
                let message = messages[index]
                guard case .ready(let header, _, let run) = message.content else { continue }
                if let emitted = earlier[message.id] {
                    duplicates.append(index)
                    // It may come back because its process died before the broker confirmed what it emitted.
                    if message.delivery.redelivered, let emitted { outgoing += try EmittedMessages.decode(emitted, decoder: decoder) }
                    continue
                }
                guard seen.insert(message.id).inserted else {
                    duplicates.append(index)
                    continue
                }
                var messageLogger = logger
                for (key, value) in messageMetadata(message) { messageLogger[metadataKey: key] = value }
                let context = HandlerContext(database: db, logger: messageLogger, attempt: message.attempt, now: Date(),
                                             contextName: definition.name, header: header,
                                             replyTo: message.delivery.properties.replyTo,
                                             replyTypes: OutgoingMessage.replyTypes(in: message.delivery.properties.headers),
                                             batchWrites: batchWrites, position: index)
                do {
                    try run(context)
                } catch {
                    // A queued write that failed when this handler touched the database aborted
                    // the transaction: its owner failed, not this handler.
                    if let earlier = batchWrites.failure { throw HandlerFailure(index: earlier.owner, error: earlier.error) }
                    throw HandlerFailure(index: index, error: error)
                }
                outgoing += context.outgoing
                records.append(HandledMessage(id: message.id, type: header.type, emitted: EmittedMessages.encode(context.outgoing)))
                handled.append(index)
            }
            let writing = ContinuousClock.now
            timings.add(.handlers, writing - handling)
            defer { timings.add(.writes, ContinuousClock.now - writing) }
            do {
                try batchWrites.flush(closing: [MessageStore.removing(confirmed), MessageStore.recording(records)].compactMap { $0 })
            } catch let failure as BatchWrites.Failure {
                throw HandlerFailure(index: failure.owner, error: failure.error)
            } catch let error as PostgresError where error.isUniqueViolation && error.constraint == MessageStore.inboxKey {
                // Another process handled one of these and committed first: this handling must not count.
                throw RecordedElsewhere()
            }
            if clearingSuspects { try store.clearSuspects(active.map { messages[$0].id }) }
            configuration.failpoints.hit(.beforeCommit)
            return (handled, duplicates, outgoing)
        }
    }

    /// Another process recorded a message of the batch in the inbox while this one handled it.
    private struct RecordedElsewhere: Error {}

    /// Sends what committed handlers emitted, with the reply copies, without waiting for the confirms.
    private func send(_ outgoing: [OutgoingMessage]) throws -> [UInt64] {
        guard !outgoing.isEmpty, let link else { return [] }
        let copies = outgoing.compactMap(\.replyCopy)
        return try link.publishChannel.publish(outgoing.map(\.amqpMessage) + copies)
    }

    /// Waits for the confirms of sent messages. Returns the ids the broker took (a message no
    /// queue takes counts as taken: sending it again would change nothing) and how many it refused.
    private func confirm(_ outgoing: [OutgoingMessage], _ sequences: [UInt64]) throws -> (taken: [String], refused: Int) {
        guard !outgoing.isEmpty, let link else { return ([], 0) }
        let began = ContinuousClock.now
        let outcomes = Array(try link.publishChannel.waitForConfirms(sequences).prefix(outgoing.count))
        timings.add(.confirms, ContinuousClock.now - began)
        var taken: [String] = []
        for (message, outcome) in zip(outgoing, outcomes) {
            switch outcome {
            case .confirmed:
                taken.append(message.id)
            case .returned(let code, let text):
                logger.error("no queue takes this message; dropped by the broker", metadata: [
                    "message_id": "\(message.id)", "type": "\(message.type)", "reply": "\(code) \(text)"])
                taken.append(message.id)
            case .nacked:
                logger.warning("broker refused a message; it will be published again", metadata: [
                    "message_id": "\(message.id)", "type": "\(message.type)"])
            }
        }
        configuration.failpoints.hit(.afterPublish)
        return (taken, outgoing.count - taken.count)
    }

    private func removeConfirmedOutbox() throws {
        guard !confirmedOutbox.isEmpty else { return }
        let began = ContinuousClock.now
        try MessageStore(database: try database.connected()).remove(confirmedOutbox)
        confirmedOutbox.removeAll()
        timings.add(.outboxDelete, ContinuousClock.now - began)
    }

    /// Sends failed messages on (retry rung or dead letters), then acknowledges the batch.
    private func finish(_ messages: [InboundMessage], _ outcomes: [Outcome]) throws {
        guard let link, let last = messages.last else { return }
        let began = ContinuousClock.now
        defer { timings.add(.acknowledge, ContinuousClock.now - began) }
        var moves: [AMQPOutgoingMessage] = []
        var notices: [AMQPOutgoingMessage] = []
        for (message, outcome) in zip(messages, outcomes) {
            guard case .failed(let failure) = outcome else { continue }
            let (move, destination) = router.route(message.delivery, attempt: message.attempt, failure: failure, now: Date())
            moves.append(move)
            var metadata = messageMetadata(message)
            metadata["error_kind"] = "\(failure.kind.rawValue)"
            metadata["error"] = "\(failure.reason)"
            switch destination {
            case .retry(let delay):
                metadata["retry_in"] = "\(formatDuration(delay))"
                logger.info("message will be retried", metadata: metadata)
            case .deadLetters:
                logger.warning("message dead-lettered", metadata: metadata)
                // A caller waiting for this message's outcome learns it failed, and why.
                if let replyTo = message.delivery.properties.replyTo, !replyTo.isEmpty {
                    var copy = move
                    copy.exchange = ""
                    copy.routingKey = replyTo
                    copy.mandatory = false
                    copy.properties.persistent = false
                    notices.append(copy)
                }
            }
        }
        if !moves.isEmpty {
            let results = try link.publishChannel.publishConfirmed(moves + notices).prefix(moves.count)
            for (move, result) in zip(moves, results) where result != .confirmed {
                // Acknowledging now would lose the message; keep it unacknowledged and start over.
                throw FleetError("could not move a failed message to \(move.routingKey) (\(result)); is the topology declared?")
            }
        }
        configuration.failpoints.hit(.beforeAck)
        try link.consumeChannel.ack(last.delivery.deliveryTag, multiple: true)
    }

    // MARK: Upkeep

    private func maintain(_ link: BrokerLink) throws {
        try link.publisher.serviceHeartbeats()
        let now = ContinuousClock.now
        if now - lastSweep >= configuration.outboxSweepInterval {
            lastSweep = now
            try sweepOutbox(link)
        }
        try runDueJobs(now: now)
        if now - lastPrune >= .seconds(600) {
            lastPrune = now
            let pruned = try MessageStore(database: try database.connected()).pruneInbox(olderThan: configuration.inboxRetention)
            if pruned > 0 { logger.info("pruned inbox", metadata: ["rows": "\(pruned)"]) }
        }
    }

    /// Runs the context's scheduled jobs whose time has come, each in a transaction of its own.
    private func runDueJobs(now: ContinuousClock.Instant) throws {
        for job in definition.registry.jobs where jobsDue[job.name].map({ $0 <= now }) ?? true {
            jobsDue[job.name] = now + job.interval
            let db = try database.connected()
            let header = EnvelopeHeader(
                id: UUID.random().lowercasedString, type: MessageType("fleet.job-run", version: 1),
                source: "airfleet/\(definition.name)", time: Date(), subject: job.name, correlationId: nil, causationId: nil)
            var jobLogger = logger
            jobLogger[metadataKey: "job"] = "\(job.name)"
            jobLogger[metadataKey: "correlation_id"] = "\(header.id)"
            do {
                let outgoing = try db.transaction {
                    let context = HandlerContext(database: db, logger: jobLogger, attempt: 1, now: Date(),
                                                 contextName: definition.name, header: header)
                    try job.run(context)
                    try MessageStore(database: db).append(context.outgoing)
                    return context.outgoing
                }
                // A row the broker refused stays for the sweeper.
                confirmedOutbox += try confirm(outgoing, try send(outgoing)).taken
            } catch let error as PostgresError where error.isConnectionLost {
                throw error
            } catch let error as AMQPError where error.isConnectionLost {
                throw error
            } catch {
                // A failing job must not stop the messages; it runs again at its next turn.
                jobLogger.error("scheduled job failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Publishes outbox rows a process left behind when it died between commit and publish.
    private func sweepOutbox(_ link: BrokerLink) throws {
        let db = try database.connected()
        let store = MessageStore(database: db)
        try db.transaction {
            let stale = try store.lockStale(olderThan: configuration.outboxSweepAge, limit: 500)
            guard !stale.isEmpty else { return }
            let outcomes = try publishWithReplyCopies(stale, on: link)
            let sent = zip(stale, outcomes).filter { $0.1 != .nacked }.map(\.0.id)
            try store.remove(sent)
            logger.info("published outbox messages left by an earlier process", metadata: ["count": "\(sent.count)"])
        }
    }

    /// Publishes messages and their reply copies in one confirmed batch; returns the outcomes
    /// of the messages themselves (a copy's fate does not decide anything).
    private func publishWithReplyCopies(_ messages: [OutgoingMessage], on link: BrokerLink) throws -> [AMQPPublishOutcome] {
        let copies = messages.compactMap(\.replyCopy)
        let outcomes = try link.publishChannel.publishConfirmed(messages.map(\.amqpMessage) + copies)
        return Array(outcomes.prefix(messages.count))
    }

    private func messageMetadata(_ message: InboundMessage) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["message_id": "\(message.id)", "attempt": "\(message.attempt)"]
        if case .ready(let header, _, _) = message.content {
            metadata["type"] = "\(header.type)"
            metadata["correlation_id"] = "\(header.correlationid ?? header.id)"
        } else if let type = message.delivery.properties.type {
            metadata["type"] = "\(type)"
        }
        return metadata
    }
}

/// A failure of the fleet's own machinery, with what to check.
public struct FleetError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
