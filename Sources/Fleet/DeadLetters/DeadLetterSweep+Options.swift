import Foundation

/// What a sweep is asked to do, and what it tells of what it did.
extension DeadLetterSweep {
    public enum Action: Sendable, Equatable {
        /// Look only; everything stays.
        case inspect
        /// Take matching messages out of the queue.
        case remove
        /// Send matching messages back; with `dryRun`, only say which.
        case replay(dryRun: Bool)
    }

    public struct Options: Sendable {
        public var filter: DeadLetterFilter
        /// At most this many messages are taken (removed, replayed or reported).
        public var limit: Int?
        public var rate: ReplayRate?
        /// Replayed messages confirmed by the broker at once.
        public var batchSize: Int
        /// A pass ends when no message arrives for this long (another client holds the rest).
        public var idleTimeout: Duration
        /// Messages the broker pushes ahead; past this many held, a pass gets them one by one.
        public var prefetch: Int

        public init(filter: DeadLetterFilter = DeadLetterFilter(), limit: Int? = nil, rate: ReplayRate? = nil,
                    batchSize: Int = 500, idleTimeout: Duration = .seconds(5), prefetch: Int = 10_000) {
            self.filter = filter
            self.limit = limit
            self.rate = rate
            self.batchSize = batchSize
            self.idleTimeout = idleTimeout
            self.prefetch = prefetch
        }
    }

    /// What became of one matching message.
    public enum Disposition: String, Sendable {
        case matched, removed, replayed
        case wouldReplay = "would-replay"
    }

    public enum Event {
        case queueStarted(context: String, queue: String, messages: Int)
        case letter(DeadLetter, Disposition)
        /// The broker did not take the replayed copy; the dead letter stays.
        case replayFailed(DeadLetter, reason: String)
        case progress(Progress)
    }

    /// Counts so far, over every queue of the sweep.
    public struct Progress: Sendable, Codable, Equatable {
        /// Messages in the queues when the sweep began.
        public var total = 0
        public var scanned = 0
        public var matched = 0
        /// Removed, or replayed and confirmed.
        public var moved = 0
        public var failed = 0
        public var elapsedSeconds = 0.0
        public var interrupted = false
    }

    /// A dead-letter queue and the messages it held when looked at; nil when it does not exist.
    public struct QueueCount: Sendable, Equatable {
        public let context: String
        public let queue: String
        public let messages: Int?

        public init(context: String, queue: String, messages: Int?) {
            self.context = context
            self.queue = queue
            self.messages = messages
        }
    }
}
