import Foundation

/// Exponential backoff with full jitter for calls retried within one delivery: the n-th wait is
/// a random time between zero and `base · 2^(n-1)` (capped), so processes that failed together
/// do not retry together.
public struct RetryPolicy: Sendable, Equatable {
    /// Calls per delivery, the first included.
    public var attempts: Int
    public var base: TimeInterval
    public var cap: TimeInterval

    public init(attempts: Int = 3, base: TimeInterval = 0.05, cap: TimeInterval = 1) {
        precondition(attempts >= 1, "at least one attempt")
        self.attempts = attempts
        self.base = base
        self.cap = cap
    }

    /// The longest wait before retry number `retry` (1 for the first retry).
    public func ceiling(beforeRetry retry: Int) -> TimeInterval {
        min(cap, base * pow(2, Double(max(0, retry - 1))))
    }

    public func delay<G: RandomNumberGenerator>(beforeRetry retry: Int, using generator: inout G) -> TimeInterval {
        Double.random(in: 0...ceiling(beforeRetry: retry), using: &generator)
    }
}
