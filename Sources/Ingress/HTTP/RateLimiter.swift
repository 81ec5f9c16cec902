import Fleet
import Foundation
import Synchronization

/// A token bucket per client: each may make `burst` requests at once and `perSecond` on average.
///
/// Kept in the process's memory: behind a load balancer each ingress limits what reaches it,
/// which bounds a client to (number of ingresses × rate). Buckets of clients gone quiet are
/// dropped, so memory follows the clients currently active.
final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let rate: Double
    private let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])
    private let lastPrune = Mutex<ContinuousClock.Instant>(.now)

    init(perSecond: Double, burst: Int) {
        rate = perSecond
        self.burst = Double(burst)
    }

    /// nil when the request may go ahead; otherwise the whole seconds to wait.
    func admit(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        pruneIfDue(now)
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated).seconds * rate)
            bucket.updated = now
            defer { buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }

    private func pruneIfDue(_ now: ContinuousClock.Instant) {
        let due = lastPrune.withLock { last in
            guard now - last > .seconds(60) else { return false }
            last = now
            return true
        }
        guard due else { return }
        // A bucket untouched long enough to have refilled is the same as no bucket.
        let full = Duration.seconds(burst / rate)
        buckets.withLock { buckets in buckets = buckets.filter { now - $0.value.updated < full } }
    }
}
