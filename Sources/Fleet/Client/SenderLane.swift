import AMQP
import Foundation
import Logging
import Synchronization

/// One thread and one connection that publish for the whole process, with confirms.
///
/// Requests queue up while a batch is in flight and leave together in the next, so under load
/// the broker sees batches (which it confirms far faster than single messages), and when idle a
/// request waits for no one.
final class SenderLane: Sendable {
    typealias Completion = @Sendable (Result<AMQPPublishOutcome, any Error>) -> Void
    private struct Job: Sendable {
        let message: AMQPOutgoingMessage
        let completion: Completion
    }

    private let lane: BrokerLane
    private let topology: Topology?
    private let jobs = Mutex<[Job]>([])
    private let wake = DispatchSemaphore(value: 0)
    private let connected = Atomic<Bool>(false)

    /// - Parameter topology: declared on every (re)connection, so the queues commands need exist.
    init(amqp: AMQPConfiguration, topology: Topology?, logger: Logger) {
        lane = BrokerLane(name: "publisher", amqp: amqp, logger: logger)
        self.topology = topology
    }

    var isConnected: Bool { connected.load(ordering: .relaxed) }

    func start() {
        lane.start(serve: { [self] connection in
            let channel = try connection.openChannel()
            if let topology { try topology.declare(on: channel) }
            try channel.enableConfirms()
            connected.store(true, ordering: .relaxed)
            try serve(connection, channel)
        }, disconnected: { [self] in
            connected.store(false, ordering: .relaxed)
            failWaiting(BrokerClientError.unavailable(lane.stop.isRequested ? "the client is shutting down" : "the connection dropped"))
        })
    }

    func shutdown() {
        lane.shutdown { wake.signal() }
    }

    /// Publishes with confirm; the outcome the broker gave.
    func publish(_ message: AMQPOutgoingMessage) async throws -> AMQPPublishOutcome {
        guard isConnected, !lane.stop.isRequested else {
            throw BrokerClientError.unavailable("RabbitMQ is not reachable right now; try again shortly")
        }
        return try await withCheckedThrowingContinuation { continuation in
            jobs.withLock { $0.append(Job(message: message) { continuation.resume(with: $0) }) }
            wake.signal()
        }
    }

    private func serve(_ connection: AMQPConnection, _ channel: AMQPChannel) throws {
        while !lane.stop.isRequested {
            _ = wake.wait(timeout: .now() + 1)
            try connection.serviceHeartbeats()
            let batch = jobs.withLock { jobs in
                defer { jobs.removeAll(keepingCapacity: true) }
                return jobs
            }
            guard !batch.isEmpty else { continue }
            do {
                let outcomes = try channel.publishConfirmed(batch.map(\.message), timeout: 10)
                for (job, outcome) in zip(batch, outcomes) { job.completion(.success(outcome)) }
            } catch {
                for job in batch {
                    job.completion(.failure(BrokerClientError.unavailable("RabbitMQ did not confirm the message (\(error)); it may or may not have been taken")))
                }
                throw error
            }
        }
    }

    private func failWaiting(_ error: any Error) {
        let waiting = jobs.withLock { jobs in
            defer { jobs.removeAll() }
            return jobs
        }
        let failure = BrokerClientError.unavailable("RabbitMQ is not reachable right now (\(error)); try again shortly")
        for job in waiting { job.completion(.failure(failure)) }
    }
}
