import AMQP
import Foundation
import Logging
import Settings
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
    private let jobs = PublishQueue<Job>()
    /// How long a publish may wait for a connection that takes it, across a reconnection.
    private let patience: Duration
    private let wake = DispatchSemaphore(value: 0)
    private let connected = Atomic<Bool>(false)
    private let reconnecting: ReconnectWindow

    /// - Parameters:
    ///   - topology: declared on every (re)connection, so the queues commands need exist.
    ///   - patience: how long a publish whose connection was lost before its confirm may wait to
    ///     be published again on the next one; and how long after a loss a new publish still
    ///     waits for the next connection instead of failing.
    init(amqp: AMQPConfiguration, topology: Topology?, patience: Duration = .seconds(2), logger: Logger) {
        lane = BrokerLane(name: "publisher", amqp: amqp, logger: logger)
        self.topology = topology
        self.patience = patience
        reconnecting = ReconnectWindow(patience: patience)
    }

    var isConnected: Bool { connected.load(ordering: .relaxed) }

    func start() {
        lane.start(serve: { [self] connection in
            let channel = try connection.openChannel()
            if let topology { try topology.declare(on: channel) }
            try channel.enableConfirms()
            reconnecting.connected()
            connected.store(true, ordering: .relaxed)
            wake.signal() // what the last connection left unconfirmed goes out now
            try serve(connection, channel)
        }, disconnected: { [self] in
            connected.store(false, ordering: .relaxed)
            reconnecting.lost()
            // What may still go out on the next connection waits for it; the rest is given up.
            if lane.stop.isRequested {
                fail(jobs.takeAll(), because: "the client is shutting down")
            } else {
                failExpired()
            }
        })
    }

    private func failExpired() {
        fail(jobs.expire(at: .now), because: "the connection dropped")
    }

    private func fail(_ entries: [PublishQueue<Job>.Entry], because reason: String) {
        let failure = BrokerClientError.unavailable("RabbitMQ is not reachable right now (\(reason)); try again shortly")
        for entry in entries { entry.job.completion(.failure(failure)) }
    }

    func shutdown() {
        lane.shutdown { wake.signal() }
    }

    /// Publishes with confirm; the outcome the broker gave. While the lane reconnects, waits
    /// for the new connection as long as its `ReconnectWindow` allows.
    func publish(_ message: AMQPOutgoingMessage) async throws -> AMQPPublishOutcome {
        let deadline: ContinuousClock.Instant
        if lane.stop.isRequested {
            throw BrokerClientError.unavailable("RabbitMQ is not reachable right now (the client is shutting down); try again shortly")
        } else if isConnected {
            deadline = .now + patience
        } else if let reconnected = reconnecting.deadline() {
            deadline = reconnected
            // Nothing else looks at the queue while no connection serves it.
            DispatchQueue.global().asyncAfter(deadline: .now() + max(0, (reconnected - .now).seconds)) { [self] in failExpired() }
        } else {
            throw BrokerClientError.unavailable("RabbitMQ is not reachable right now; try again shortly")
        }
        return try await withCheckedThrowingContinuation { continuation in
            jobs.append(Job(message: message) { continuation.resume(with: $0) }, deadline: deadline)
            wake.signal()
        }
    }

    private func serve(_ connection: AMQPConnection, _ channel: AMQPChannel) throws {
        while !lane.stop.isRequested {
            _ = wake.wait(timeout: .now() + 1)
            try connection.serviceHeartbeats()
            let batch = jobs.takeAll()
            guard !batch.isEmpty else { continue }
            do {
                let outcomes = try channel.publishConfirmed(batch.map(\.job.message), timeout: 10)
                for (entry, outcome) in zip(batch, outcomes) { entry.job.completion(.success(outcome)) }
            } catch {
                // Unconfirmed: the next connection publishes them again if it comes in time.
                jobs.putBack(batch)
                throw error
            }
        }
    }
}
