import Foundation

/// One context's figures as the broker, its management API and the context's database tell
/// them; nil where that source is not available.
public struct ContextFigures: Codable, Sendable, Equatable {
    public var context: String
    /// Messages waiting in the context's queue.
    public var ready: Int
    public var unacknowledged: Int?
    /// Processes consuming the context's queue.
    public var consumers: Int
    /// Messages waiting on the retry ladder.
    public var retrying: Int
    public var dead: Int
    public var oldestDeadSeconds: Int?
    /// Events committed but not yet confirmed by the broker.
    public var outbox: Int?
    /// The metrics URL of each process consuming the context's queue (from the management API).
    public var metrics: [String]?

    public init(context: String, ready: Int, unacknowledged: Int?, consumers: Int, retrying: Int, dead: Int,
                oldestDeadSeconds: Int?, outbox: Int?, metrics: [String]?) {
        self.context = context
        self.ready = ready
        self.unacknowledged = unacknowledged
        self.consumers = consumers
        self.retrying = retrying
        self.dead = dead
        self.oldestDeadSeconds = oldestDeadSeconds
        self.outbox = outbox
        self.metrics = metrics
    }
}
