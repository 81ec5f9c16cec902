import AMQP
import Fleet
import Foundation
import Logging

/// Sees each booking's final event on the events exchange and times it from the moment its
/// HTTP request was meant to leave. Requests are matched by correlation id: the ingress takes
/// the client's X-Request-ID as the correlation id, and every message a booking causes keeps it.
final class ConfirmationWatcher: @unchecked Sendable {
    static let finalEvents = ["booking.confirmed.v1", "booking.failed.v1", "booking.expired.v1", "booking.rejected.v1"]

    let confirmedLatency = LatencyRecorder()
    private let lock = NSLock()
    private var pending: [String: ContinuousClock.Instant] = [:]
    private var outcomes: [String: Int] = [:]
    private var confirmedAt: [ContinuousClock.Instant] = []
    private var stopped = false
    private var thread: Thread?
    private var failure: Error?

    private let connection: AMQPConnection
    /// Kept for the consumer's lifetime: a channel closes when its last reference goes.
    private let channel: AMQPChannel
    private let queue = "bench.bookings.\(UUID().uuidString.prefix(8).lowercased())"

    init(amqp: AMQPConfiguration, logger: Logger) throws {
        connection = try AMQPConnection(amqp, logger: logger)
        channel = try connection.openChannel()
        try channel.declareQueue(queue, durable: false, exclusive: true, autoDelete: true)
        for type in Self.finalEvents { try channel.bindQueue(queue, exchange: Topology.eventsExchange, routingKey: type) }
        try channel.consume(queue: queue, noAck: true)
    }

    func start() {
        let thread = Thread { [self] in
            do {
                while !lock.withLock({ stopped }) {
                    guard let delivery = try connection.nextDelivery(timeout: 0.2) else { continue }
                    settle(delivery)
                }
            } catch {
                lock.withLock { failure = error }
            }
            connection.close()
        }
        thread.name = "confirmation-watcher"
        self.thread = thread
        thread.start()
    }

    func stop() throws {
        lock.withLock { stopped = true }
        while thread?.isFinished == false { Thread.sleep(forTimeInterval: 0.05) }
        if let failure = lock.withLock({ failure }) { throw failure }
    }

    /// Called before the request leaves, so a final event can never arrive unexpected.
    func expect(_ correlationId: String, sentAt intended: ContinuousClock.Instant) {
        lock.withLock { pending[correlationId] = intended }
    }

    /// The request was refused: nothing will follow it.
    func forget(_ correlationId: String) {
        lock.withLock { _ = pending.removeValue(forKey: correlationId) }
    }

    var unsettled: Int { lock.withLock { pending.count } }

    var finalCounts: [String: Int] { lock.withLock { outcomes } }

    /// Confirmations that arrived in `window`, for the sustained rate.
    func confirmations(in window: Range<ContinuousClock.Instant>) -> Int {
        lock.withLock { confirmedAt.filter { window.contains($0) }.count }
    }

    /// Waits until every accepted booking has its final event, or `timeout` passed.
    func drain(timeout: Duration) {
        let deadline = ContinuousClock.now + timeout
        while unsettled > 0, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.1) }
    }

    private func settle(_ delivery: AMQPDelivery) {
        let now = ContinuousClock.now
        guard let correlationId = delivery.properties.correlationId else { return }
        let type = delivery.routingKey
        let intended: ContinuousClock.Instant? = lock.withLock {
            guard let intended = pending.removeValue(forKey: correlationId) else { return nil }
            outcomes[type, default: 0] += 1
            if type == "booking.confirmed.v1" { confirmedAt.append(now) }
            return intended
        }
        if let intended, type == "booking.confirmed.v1" { confirmedLatency.record(now - intended) }
    }
}
