import Fleet
import Foundation

/// Calls the provider through the process's circuit breaker, retrying a failed call a few times
/// within the delivery with jittered exponential backoff. Longer outages are the retry ladder's:
/// the handler gives the message back (`HandlerError.transient`) and it returns after 1 s, 10 s, …
public struct GatewayCalls: Sendable {
    public enum Result<T> {
        case answered(T)
        /// The breaker refused the call without trying.
        case circuitOpen
        case failed(GatewayError)
    }

    public let breaker: CircuitBreaker
    public let policy: RetryPolicy

    public init(breaker: CircuitBreaker, policy: RetryPolicy) {
        self.breaker = breaker
        self.policy = policy
    }

    /// Each attempt is a client span named `operation` under `trace` (or the current span).
    public func run<T>(_ operation: String, in trace: MessageTrace? = nil, _ call: () throws(GatewayError) -> T) -> Result<T> {
        var generator = SystemRandomNumberGenerator()
        var lastError: GatewayError?
        for attempt in 1...policy.attempts {
            guard breaker.allowsCall() else { return lastError.map { .failed($0) } ?? .circuitOpen }
            do {
                let answer = try MessageTracing.withClientSpan("payment provider \(operation)", in: trace,
                                                               attributes: ["airfleet.attempt": "\(attempt)"], call)
                breaker.recordSuccess()
                return .answered(answer)
            } catch {
                breaker.recordFailure()
                lastError = error
                if attempt < policy.attempts {
                    Thread.sleep(forTimeInterval: policy.delay(beforeRetry: attempt, using: &generator))
                }
            }
        }
        return .failed(lastError!)
    }
}
