import Foundation

/// Stops calling a provider that keeps failing, so charges do not pile up behind timeouts (they
/// wait for the cool-down, off the consumer's batch), and lets one trial call through after it
/// to see whether the provider recovered.
///
/// closed --(`failureThreshold` failures in a row)--> open --(`coolDown` passed)--> half-open:
/// one trial call; success closes, failure opens again. One breaker is shared by every handler of
/// a process (each process learns on its own; the provider is the same for all).
public final class CircuitBreaker: @unchecked Sendable {
    public enum State: Equatable, Sendable {
        case closed(failures: Int)
        case open(until: Date)
        case halfOpen
    }

    public let failureThreshold: Int
    public let coolDown: TimeInterval
    private let clock: @Sendable () -> Date
    private let lock = NSLock()
    private var current: State = .closed(failures: 0)
    private var trialInFlight = false

    public init(failureThreshold: Int = 5, coolDown: TimeInterval = 30, clock: @escaping @Sendable () -> Date = Date.init) {
        precondition(failureThreshold > 0 && coolDown > 0, "a breaker needs a positive threshold and cool-down")
        self.failureThreshold = failureThreshold
        self.coolDown = coolDown
        self.clock = clock
    }

    public var state: State { lock.withLock { refreshed() } }

    /// How long until the breaker lets a trial call through: the rest of its cool-down while
    /// open, zero otherwise (closed, or half-open with a trial whose outcome comes within a call).
    public var timeUntilTrial: TimeInterval {
        lock.withLock {
            guard case .open(let until) = refreshed() else { return 0 }
            return max(0, until.timeIntervalSince(clock()))
        }
    }

    /// Whether a call may go to the provider now; in half-open state only one at a time may.
    public func allowsCall() -> Bool {
        lock.withLock {
            switch refreshed() {
            case .closed: return true
            case .open: return false
            case .halfOpen:
                guard !trialInFlight else { return false }
                trialInFlight = true
                return true
            }
        }
    }

    /// The provider answered (a decline is an answer).
    public func recordSuccess() {
        lock.withLock {
            current = .closed(failures: 0)
            trialInFlight = false
        }
    }

    /// The provider failed or did not answer in time.
    public func recordFailure() {
        lock.withLock {
            trialInFlight = false
            switch refreshed() {
            case .closed(let failures) where failures + 1 < failureThreshold:
                current = .closed(failures: failures + 1)
            case .closed, .halfOpen, .open:
                current = .open(until: clock().addingTimeInterval(coolDown))
            }
        }
    }

    private func refreshed() -> State {
        if case .open(let until) = current, clock() >= until { current = .halfOpen }
        return current
    }
}
