import Logging

/// Work a consumer process does now and then beside its messages: publishing what an earlier
/// process left in the outbox, running scheduled jobs, pruning the inbox. Each runs as a service
/// of its own, on a thread and connections of its own, so none of them holds up a batch.
public protocol PeriodicTask: AnyObject {
    /// Does the work that is due; returns how long to wait before the next run.
    func runDue() throws -> Duration
    /// Drops the task's connections, after a failure or at the end; the next run makes new ones.
    func disconnect()
}

extension ThreadService {
    /// Runs the task made by `make` on a thread of its own until a stop, reconnecting after failures.
    public static func periodic(_ name: String, drainTimeout: Duration, logger: Logger,
                         make: @escaping @Sendable () -> any PeriodicTask) -> ThreadService {
        ThreadService(name: name, drainTimeout: drainTimeout) { stop in
            let task = make()
            runReconnecting(name, stop: stop, logger: logger, connect: {}, work: {
                while !stop.isRequested { stop.sleep(try task.runDue()) }
            }, disconnect: task.disconnect)
        }
    }
}
