import Foundation

/// Growing waits with jitter between reconnection attempts, so a fleet does not stampede a
/// server that just came back.
public struct Backoff: Sendable {
    let initial: Duration
    let maximum: Duration
    private var current: Duration

    public init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(10)) {
        self.initial = initial
        self.maximum = maximum
        self.current = initial
    }

    public mutating func next() -> Duration {
        let base = current
        current = min(current * 2, maximum)
        let jitter = Double.random(in: 0.5...1.0)
        return .milliseconds(Int64(Double(base.milliseconds) * jitter))
    }

    public mutating func reset() { current = initial }
}
