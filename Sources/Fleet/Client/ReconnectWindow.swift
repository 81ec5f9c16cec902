import Synchronization

/// The time a lane's callers may wait for its connection to come back.
///
/// When a connection drops, its lane connects again at once (to the next node of a cluster),
/// usually within a fraction of a second: a request asked meanwhile waits for that instead of
/// failing, so a client hears "unavailable" only when no node answers. The wait is counted from
/// the loss, not from the request: once the connection has been gone longer than the patience,
/// requests fail at once, and before the first connection nobody waits.
final class ReconnectWindow: Sendable {
    private let lostAt = Mutex<ContinuousClock.Instant?>(nil)
    private let patience: Duration

    init(patience: Duration) {
        self.patience = patience
    }

    /// The lane has a working connection.
    func connected() {
        lostAt.withLock { $0 = nil }
    }

    /// The lane lost its connection, or failed to make a new one: the window runs from the
    /// first loss.
    func lost(at now: ContinuousClock.Instant = .now) {
        lostAt.withLock { if $0 == nil { $0 = now } }
    }

    /// Until when a request asked at `now` may wait for the next connection; nil: not at all.
    func deadline(at now: ContinuousClock.Instant = .now) -> ContinuousClock.Instant? {
        lostAt.withLock { lost in
            guard let lost, now < lost + patience else { return nil }
            return lost + patience
        }
    }
}
