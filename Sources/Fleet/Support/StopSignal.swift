import Foundation

/// A flag that asks the workers of a process to drain and stop, with sleeps it interrupts.
public final class StopSignal: @unchecked Sendable {
    // The condition guards `requested`; every access takes its lock.
    private let condition = NSCondition()
    private var requested = false

    public init() {}

    public var isRequested: Bool {
        condition.lock(); defer { condition.unlock() }
        return requested
    }

    public func request() {
        condition.lock()
        requested = true
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps for `duration` unless a stop is requested first; returns true when stopped.
    @discardableResult
    public func sleep(_ duration: Duration) -> Bool {
        let deadline = Date().addingTimeInterval(duration.seconds)
        condition.lock(); defer { condition.unlock() }
        while !requested, condition.wait(until: deadline) {}
        return requested
    }
}
