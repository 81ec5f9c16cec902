import Foundation
import Synchronization

/// Requests waiting for messages on the reply queue, matched by correlation id and a test of
/// their own (several requests may share a correlation id when clients reuse an X-Request-ID).
///
/// A waiter is opened before its message is published, so an answer that comes back before
/// the request starts waiting is kept for it, never dropped.
final class ReplyWaiters: Sendable {
    struct Ticket: Sendable, Hashable {
        fileprivate let number: UInt64
        fileprivate let key: String
    }

    private enum Slot {
        case open
        case waiting(CheckedContinuation<ReplyMessage?, any Error>)
        case arrived(ReplyMessage)
    }

    private struct Waiter {
        let number: UInt64
        let accepts: @Sendable (ReplyMessage) -> Bool
        let deadline: ContinuousClock.Instant
        var slot: Slot
    }

    private struct State {
        var next: UInt64 = 0
        var byKey: [String: [Waiter]] = [:]
    }

    private let state = Mutex(State())

    /// Starts listening for a message whose correlation id is `key` and that `accepts` takes.
    func open(key: String, deadline: ContinuousClock.Instant, accepts: @escaping @Sendable (ReplyMessage) -> Bool) -> Ticket {
        state.withLock { state in
            state.next += 1
            state.byKey[key, default: []].append(Waiter(number: state.next, accepts: accepts, deadline: deadline, slot: .open))
            return Ticket(number: state.next, key: key)
        }
    }

    /// The message, or nil when the deadline passed first.
    func wait(_ ticket: Ticket) async throws -> ReplyMessage? {
        try await withCheckedThrowingContinuation { continuation in
            let arrived: ReplyMessage?? = state.withLock { state in
                guard let index = state.byKey[ticket.key]?.firstIndex(where: { $0.number == ticket.number }) else {
                    return .some(nil)
                }
                if case .arrived(let message) = state.byKey[ticket.key]![index].slot {
                    Self.remove(ticket, from: &state)
                    return .some(message)
                }
                state.byKey[ticket.key]![index].slot = .waiting(continuation)
                return .none
            }
            if case .some(let message) = arrived { continuation.resume(returning: message) }
        }
    }

    /// Gives up on a ticket, e.g. because its message could not be published.
    func close(_ ticket: Ticket) {
        let continuation: CheckedContinuation<ReplyMessage?, any Error>? = state.withLock { state in
            guard let waiter = state.byKey[ticket.key]?.first(where: { $0.number == ticket.number }) else { return nil }
            Self.remove(ticket, from: &state)
            if case .waiting(let continuation) = waiter.slot { return continuation }
            return nil
        }
        continuation?.resume(returning: nil)
    }

    /// Hands a message to the first waiter that takes it; false when nobody does.
    @discardableResult
    func deliver(_ message: ReplyMessage) -> Bool {
        guard let key = message.correlationId else { return false }
        let outcome: (taken: Bool, continuation: CheckedContinuation<ReplyMessage?, any Error>?) = state.withLock { state in
            guard let waiters = state.byKey[key] else { return (false, nil) }
            for (index, waiter) in waiters.enumerated() where waiter.accepts(message) {
                switch waiter.slot {
                case .arrived: continue
                case .open:
                    state.byKey[key]![index].slot = .arrived(message)
                    return (true, nil)
                case .waiting(let continuation):
                    Self.remove(Ticket(number: waiter.number, key: key), from: &state)
                    return (true, continuation)
                }
            }
            return (false, nil)
        }
        outcome.continuation?.resume(returning: message)
        return outcome.taken
    }

    /// Ends the waits whose deadline passed: they get nil.
    func expire(now: ContinuousClock.Instant = .now) {
        let expired: [CheckedContinuation<ReplyMessage?, any Error>] = state.withLock { state in
            var continuations: [CheckedContinuation<ReplyMessage?, any Error>] = []
            for (key, waiters) in state.byKey {
                let (late, kept) = (waiters.filter { $0.deadline <= now }, waiters.filter { $0.deadline > now })
                for waiter in late {
                    if case .waiting(let continuation) = waiter.slot { continuations.append(continuation) }
                }
                state.byKey[key] = kept.isEmpty ? nil : kept
            }
            return continuations
        }
        for continuation in expired { continuation.resume(returning: nil) }
    }

    /// Ends every wait with `error`: the reply queue is gone, and what it held with it.
    func failAll(_ error: any Error) {
        let all: [CheckedContinuation<ReplyMessage?, any Error>] = state.withLock { state in
            let continuations = state.byKey.values.flatMap { $0 }.compactMap { waiter -> CheckedContinuation<ReplyMessage?, any Error>? in
                if case .waiting(let continuation) = waiter.slot { return continuation }
                return nil
            }
            state.byKey = [:]
            return continuations
        }
        for continuation in all { continuation.resume(throwing: error) }
    }

    var count: Int { state.withLock { $0.byKey.values.reduce(0) { $0 + $1.count } } }

    private static func remove(_ ticket: Ticket, from state: inout State) {
        state.byKey[ticket.key]?.removeAll { $0.number == ticket.number }
        if state.byKey[ticket.key]?.isEmpty == true { state.byKey[ticket.key] = nil }
    }
}
