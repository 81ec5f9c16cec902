import Synchronization

/// The publishes a `SenderLane` has been asked for and not yet settled, in order.
///
/// A batch whose confirms were lost with its connection goes back to the head of the queue and
/// is published again on the next connection (to the next node of a cluster) if that comes in
/// time: the broker may have taken it already, and consumers' inboxes make the second copy
/// harmless. Past its deadline a publish is given up, and its caller hears that the broker is
/// unreachable.
final class PublishQueue<Job: Sendable>: Sendable {
    struct Entry: Sendable {
        let job: Job
        let deadline: ContinuousClock.Instant
    }

    private let entries = Mutex<[Entry]>([])

    func append(_ job: Job, deadline: ContinuousClock.Instant) {
        entries.withLock { $0.append(Entry(job: job, deadline: deadline)) }
    }

    /// Everything queued, oldest first, now owned by the caller.
    func takeAll() -> [Entry] {
        entries.withLock { entries in
            defer { entries.removeAll(keepingCapacity: true) }
            return entries
        }
    }

    /// A batch that could not be settled, back at the head, in its order.
    func putBack(_ batch: [Entry]) {
        entries.withLock { $0.insert(contentsOf: batch, at: 0) }
    }

    /// Takes out what is past its deadline at `now`.
    func expire(at now: ContinuousClock.Instant) -> [Entry] {
        entries.withLock { entries in
            let expired = entries.filter { $0.deadline <= now }
            entries.removeAll { $0.deadline <= now }
            return expired
        }
    }
}
