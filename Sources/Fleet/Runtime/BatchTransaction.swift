import Foundation
import Logging
import Postgres

/// What became of one message of a batch.
enum BatchOutcome {
    case handled, duplicate
    case failed(MessageFailure)
}

/// Runs the handlers of a batch in one transaction that records every message in the inbox with
/// what it emitted. A handler that throws is taken out and the rest run again, so its failure
/// costs its batch-mates a retry, never their outcome.
final class BatchTransaction {
    private let definition: ContextDefinition
    private let configuration: FleetConfiguration
    private let database: ContextDatabase
    private let timings: BatchTimings
    private let logger: Logger
    private let decoder = FleetJSON.decoder()

    init(definition: ContextDefinition, configuration: FleetConfiguration, database: ContextDatabase,
         timings: BatchTimings, logger: Logger) {
        self.definition = definition
        self.configuration = configuration
        self.database = database
        self.timings = timings
        self.logger = logger
    }

    /// Each message's outcome, and what the committed handlers emitted.
    func handle(_ messages: [InboundMessage], clearingSuspects: Bool) throws -> ([BatchOutcome], [OutgoingMessage]) {
        var outcomes: [BatchOutcome?] = messages.map { message in
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
                let result = try run(messages, active, lookingUp: lookingUp, clearingSuspects: clearingSuspects)
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
            } catch let error as PostgresError where !error.isConnectionLost && error.isRetryable && conflicts < 3 {
                // The read-ahead met a deadlock or a serialization failure: about timing, not a message.
                conflicts += 1
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
                logger.warning("handler failed", metadata: messages[failure.index].logMetadata.merging([
                    "error_kind": "\(messageFailure.kind.rawValue)", "error": "\(messageFailure.reason)",
                ]) { $1 })
                outcomes[failure.index] = .failed(messageFailure)
            }
        }
        return (outcomes.map { $0! }, outgoing)
    }

    private struct HandlerFailure: Error {
        let index: Int
        let error: any Error
    }

    /// Another process recorded a message of the batch in the inbox while this one handled it.
    private struct RecordedElsewhere: Error {}

    private func wasHandledBefore(_ message: InboundMessage) throws -> Bool {
        try !MessageStore(database: try database.connected()).handled(among: [message.id]).isEmpty
    }

    private func run(_ messages: [InboundMessage], _ active: [Int], lookingUp: Bool, clearingSuspects: Bool) throws
        -> (handled: [Int], duplicates: [Int], outgoing: [OutgoingMessage])
    {
        let db = try database.connected()
        let store = MessageStore(database: db)
        return try db.transaction {
            let looking = ContinuousClock.now
            let earlier = lookingUp ? try store.handled(among: active.map { messages[$0].id }) : [:]
            let handling = ContinuousClock.now
            timings.add(.claim, handling - looking)
            let batchWrites = BatchWrites(database: db, timings: timings)
            let readAhead = BatchReadAhead()
            if let step = definition.readAhead {
                let batch = active.filter { earlier[messages[$0].id] == nil }.compactMap { ContextDefinition.BatchMessage(messages[$0]) }
                if !batch.isEmpty { try step(db, batch, readAhead) }
            }
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
                for (key, value) in message.logMetadata { messageLogger[metadataKey: key] = value }
                let context = HandlerContext(database: db, logger: messageLogger, attempt: message.attempt, now: Date(),
                                             contextName: definition.name, header: header,
                                             replyTo: message.delivery.properties.replyTo,
                                             replyTypes: OutgoingMessage.replyTypes(in: message.delivery.properties.headers),
                                             batchWrites: batchWrites, readAhead: readAhead, position: index)
                do {
                    try message.trace.bound { try run(context) }
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
                try batchWrites.flush(closing: [MessageStore.recording(records)].compactMap { $0 })
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
}
