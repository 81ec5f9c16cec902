import Foundation

/// Where a command worker's time goes, batch by batch: what a benchmark reports beside its
/// throughput, so a slow figure comes with its cause.
public final class BatchTimings: @unchecked Sendable {
    public enum Phase: String, CaseIterable, Sendable {
        /// BEGIN, inbox lookup, handlers, queued writes, inbox rows, COMMIT.
        case transaction
        /// Of the transaction: looking the batch's message ids up in the inbox.
        case claim
        /// Of the transaction: the handlers, with whatever they read or wrote directly.
        case handlers
        /// Of the transaction: the queued writes and the inbox rows, in one pipeline.
        case writes
        /// Publishing what the batch emitted and waiting for the broker's confirms.
        case confirms
        /// Deleting scheduled jobs' confirmed rows from the outbox.
        case outboxDelete = "outbox delete"
        /// Moving failed messages on and acknowledging the batch.
        case acknowledge
    }

    public struct Snapshot: Sendable {
        public var batches = 0
        public var messages = 0
        public var time: [Phase: Duration] = [:]
        /// Times a handler's use of `HandlerContext.database` sent the writes queued before it in
        /// a round trip of their own, which a batch otherwise shares: each one is a handler to
        /// look at.
        public var earlyFlushes = 0

        /// "transaction 3.1 ms, confirms 1.2 ms, ..." per batch, and the mean batch size.
        public var perBatch: String {
            guard batches > 0 else { return "no batches" }
            let phases = Phase.allCases.map { phase in
                String(format: "%@ %.2f ms", phase.rawValue, (time[phase] ?? .zero).seconds * 1000 / Double(batches))
            }
            return String(format: "%d batches of %.0f messages; per batch: ", batches, Double(messages) / Double(batches))
                + phases.joined(separator: ", ") + String(format: ", %.2f early flushes", Double(earlyFlushes) / Double(batches))
        }
    }

    private let lock = NSLock()
    private var current = Snapshot()

    public init() {}

    func add(_ phase: Phase, _ elapsed: Duration) {
        lock.withLock { current.time[phase, default: .zero] += elapsed }
    }

    func countEarlyFlush() {
        lock.withLock { current.earlyFlushes += 1 }
    }

    func countBatch(of messages: Int) {
        lock.withLock {
            current.batches += 1
            current.messages += messages
        }
    }

    public var snapshot: Snapshot { lock.withLock { current } }

    public func reset() { lock.withLock { current = Snapshot() } }
}
