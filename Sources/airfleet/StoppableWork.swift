import Fleet
import ServiceLifecycle
import Synchronization

/// Runs a command's blocking work (a pass over the dead letters) on a thread of its own, in a
/// `ServiceGroup` that turns the first SIGINT or SIGTERM into a stop: the work finishes what it
/// has in hand and leaves the rest where it is. Work that takes longer than `drainTimeout` to
/// stop is left behind as the command ends; that loses nothing either, since nothing is removed
/// from a queue before its copy is confirmed.
enum StoppableWork {
    static func run(_ name: String, drainTimeout: Duration = .seconds(10),
                    _ work: @escaping @Sendable (StopSignal) throws -> Void) async throws {
        let failure = FailureBox()
        let service = ThreadService(name: name, drainTimeout: drainTimeout) { stop in
            do { try work(stop) } catch { failure.error.withLock { $0 = error } }
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigint, .sigterm], logger: Environment.logger))
        try await group.run()
        if let error = failure.error.withLock({ $0 }) { throw error }
    }

    private final class FailureBox: Sendable {
        let error = Mutex<(any Error)?>(nil)
    }
}
