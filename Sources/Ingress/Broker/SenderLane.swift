import AMQP
import Fleet
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

    private let amqp: AMQPConfiguration
    private let topology: Topology?
    private let logger: Logger
    private let jobs = Mutex<[Job]>([])
    private let wake = DispatchSemaphore(value: 0)
    private let stop = StopSignal()
    private let connected = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// - Parameter topology: declared on every (re)connection, so the queues commands need exist.
    init(amqp: AMQPConfiguration, topology: Topology?, logger: Logger) {
        self.amqp = amqp.withConnectionName("\(amqp.connectionName ?? "airfleet ingress") publisher")
        self.topology = topology
        self.logger = logger
    }

    var isConnected: Bool { connected.load(ordering: .relaxed) }

    func start() {
        let thread = Thread { [self] in run(); finished.signal() }
        thread.name = "ingress-publisher"
        thread.start()
    }

    func shutdown() {
        stop.request()
        wake.signal()
        finished.wait()
    }

    /// Publishes with confirm; the outcome the broker gave.
    func publish(_ message: AMQPOutgoingMessage) async throws -> AMQPPublishOutcome {
        guard isConnected, !stop.isRequested else {
            throw BrokerGatewayError.unavailable("RabbitMQ is not reachable from this ingress right now; try again shortly")
        }
        return try await withCheckedThrowingContinuation { continuation in
            jobs.withLock { $0.append(Job(message: message) { continuation.resume(with: $0) }) }
            wake.signal()
        }
    }

    private func run() {
        var backoff = Backoff()
        while !stop.isRequested {
            do {
                let connection = try AMQPConnection(amqp, logger: logger)
                defer { connection.close() }
                let channel = try connection.openChannel()
                if let topology { try topology.declare(on: channel) }
                try channel.enableConfirms()
                connected.store(true, ordering: .relaxed)
                backoff.reset()
                try serve(connection, channel)
            } catch {
                connected.store(false, ordering: .relaxed)
                logger.error("ingress publisher lost RabbitMQ; reconnecting", metadata: ["error": "\(error)"])
                failWaiting(error)
                _ = stop.sleep(backoff.next())
            }
        }
        connected.store(false, ordering: .relaxed)
        failWaiting(BrokerGatewayError.unavailable("the ingress is shutting down"))
    }

    private func serve(_ connection: AMQPConnection, _ channel: AMQPChannel) throws {
        while !stop.isRequested {
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
                    job.completion(.failure(BrokerGatewayError.unavailable("RabbitMQ did not confirm the message (\(error)); it may or may not have been taken")))
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
        let failure = BrokerGatewayError.unavailable("RabbitMQ is not reachable from this ingress right now (\(error)); try again shortly")
        for job in waiting { job.completion(.failure(failure)) }
    }
}
