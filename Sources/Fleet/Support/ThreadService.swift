import Foundation
import ServiceLifecycle
import Settings
import Synchronization

/// A blocking worker as a service of a `ServiceGroup`. The work runs on a thread of its own
/// (rabbitmq-c and libpq block, so they stay off the Swift concurrency pool) and is handed a
/// `StopSignal` that a graceful shutdown or a cancellation raises; the work then finishes what
/// it holds and returns.
public struct ThreadService: Service {
    public let name: String
    /// How long the work may take to finish once asked to stop.
    public let drainTimeout: Duration
    private let work: @Sendable (StopSignal) -> Void

    public init(name: String, drainTimeout: Duration, work: @escaping @Sendable (StopSignal) -> Void) {
        self.name = name
        self.drainTimeout = drainTimeout
        self.work = work
    }

    public func run() async throws {
        let stop = StopSignal()
        let completion = ThreadCompletion()
        startWorkerThread(named: name) { [work] in
            work(stop)
            completion.finish()
        }
        let askToStop: @Sendable () -> Void = { [drainTimeout] in
            stop.request()
            completion.expire(after: drainTimeout)
        }
        let finished = await withGracefulShutdownHandler {
            await withTaskCancellationHandler { await completion.wait() } onCancel: { askToStop() }
        } onGracefulShutdown: { askToStop() }
        if !finished {
            throw FleetError("\(name) did not finish within \(formatDuration(drainTimeout)) of being asked to stop; "
                + "its unacknowledged messages return to the queue")
        }
    }
}

/// The end of a worker thread, awaited: either the thread finished, or the time it was given
/// to finish ran out first.
private final class ThreadCompletion: Sendable {
    private enum State {
        case running(CheckedContinuation<Bool, Never>?)
        case ended(finished: Bool)
    }

    private let state = Mutex<State>(.running(nil))

    func finish() { end(finished: true) }

    func expire(after duration: Duration) {
        Task {
            try? await Task.sleep(for: duration)
            end(finished: false)
        }
    }

    /// True when the thread finished, false when its time ran out.
    func wait() async -> Bool {
        await withCheckedContinuation { continuation in
            let ended: Bool? = state.withLock { state in
                switch state {
                case .running:
                    state = .running(continuation)
                    return nil
                case .ended(let finished):
                    return finished
                }
            }
            if let ended { continuation.resume(returning: ended) }
        }
    }

    private func end(finished: Bool) {
        let waiting: CheckedContinuation<Bool, Never>? = state.withLock { state in
            guard case .running(let continuation) = state else { return nil }
            state = .ended(finished: finished)
            return continuation
        }
        waiting?.resume(returning: finished)
    }
}
