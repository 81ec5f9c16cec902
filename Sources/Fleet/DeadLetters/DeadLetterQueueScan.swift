import AMQP
import Foundation

/// One pass over a dead-letter queue: every message that was in it when the pass began is
/// delivered once, and only the ones `remove` is called for leave the queue.
///
/// A message the broker gets back goes to the head of a quorum queue and would be delivered
/// again at once, so the pass keeps everything it does not remove unacknowledged until it ends,
/// and then gives it all back at once. The broker holds those messages, not this process:
/// only their delivery tags are counted here.
///
/// Messages come from consumers with a prefetch limit, so the broker never pushes more than
/// that ahead, and the process reads its socket only as fast as it works, so TCP flow control
/// keeps what waits on this side small. A consumer holding `prefetch` messages gets no more, so
/// once every consumer of the pass is full of held messages the pass starts one more on the
/// same channel: the held ones stay held, and the new consumer takes the next messages.
///
/// Whatever ends the pass (its end, an error, a killed process, a lost broker), nothing is lost:
/// a message leaves the queue only by `remove`, and anything unacknowledged goes back.
final class DeadLetterQueueScan {
    let context: String
    let queue: String
    /// Messages ready when the pass began; later arrivals wait for the next pass.
    let expected: Int
    private let prefetch: Int
    private let connection: AMQPConnection
    /// Kept for as long as the pass runs: dropping a channel closes it.
    private let channel: AMQPChannel
    private var consumerTags: [String] = []
    private(set) var delivered = 0
    private var removed = 0
    /// Every delivery tag up to this one was removed (delivery tags count up from 1 per channel).
    private var removedThrough: UInt64 = 0

    init(connection: AMQPConnection, context: String, expected: Int, prefetch: Int = 10_000) throws {
        self.connection = connection
        self.context = context
        self.queue = Topology.deadLetterQueue(of: context)
        self.expected = expected
        self.prefetch = max(1, min(prefetch, Int(UInt16.max)))
        channel = try connection.openChannel()
        try channel.setPrefetch(UInt16(self.prefetch))
        try addConsumer()
    }

    /// True once every message counted at the start was delivered.
    var isComplete: Bool { delivered >= expected }

    /// Messages delivered and not removed: held by this pass, or waiting for a replay's confirm.
    var held: Int { delivered - removed }

    /// The next message of the pass; nil when none arrives within `timeout` seconds (0: only
    /// what is already here).
    func next(timeout: Double) throws -> AMQPDelivery? {
        guard !isComplete else { return nil }
        if held >= consumerTags.count * prefetch { try addConsumer() }
        guard let delivery = try connection.nextDelivery(timeout: timeout) else { return nil }
        delivered += 1
        return delivery
    }

    /// Takes delivered messages out of the queue for good. When they are all the pass holds
    /// (a replay of everything), one acknowledgement covers them: fewer settlements in flight.
    func remove(_ deliveries: [AMQPDelivery]) throws {
        let tags = deliveries.map(\.deliveryTag).sorted()
        guard let last = tags.last else { return }
        if tags.first == removedThrough + 1, last - removedThrough == UInt64(tags.count) {
            try channel.ack(last, multiple: true)
            removedThrough = last
        } else {
            for tag in tags { try channel.ack(tag) }
        }
        removed += tags.count
    }

    /// Gives back every message not removed, by closing the channel: the broker requeues what
    /// a closed channel left unacknowledged, and a quorum queue does that far sooner than it
    /// settles one `nack` of as many messages. Then waits until the broker counts them ready
    /// again (it may take seconds to start, then count them all at once), so whatever runs next
    /// sees them all.
    func finish() throws {
        if removed > 0 { try settleAcknowledgements() }
        consumerTags = []
        channel.close()
        let returned = held
        guard returned > 0 else { return }
        let inspector = try connection.openChannel()
        defer { inspector.close() }
        var ready = -1
        var lastChange = ContinuousClock.now
        while ContinuousClock.now - lastChange < .seconds(30) {
            let count = try inspector.inspectQueue(queue)?.messageCount ?? returned
            if count >= returned { return }
            if count != ready { (ready, lastChange) = (count, ContinuousClock.now) }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Gives the broker time to settle every acknowledgement before the channel closes.
    ///
    /// A quorum queue's channel holds back settlements once 32 are in flight and sends them as
    /// earlier ones are applied; closing the channel before then drops those it still holds
    /// (rabbitmq-server issue 10327), and their messages come back although they were removed.
    /// Cancelling each consumer goes through the queue's log after the settlements sent so far;
    /// the pause lets the channel send the rest. A message that still comes back this way was
    /// replayed already, and its id meets the inbox again, so it costs a duplicate, not a loss.
    private func settleAcknowledgements() throws {
        for tag in consumerTags { _ = try channel.cancel(consumerTag: tag) }
        Thread.sleep(forTimeInterval: 0.2)
        _ = try channel.inspectQueue(queue)
        Thread.sleep(forTimeInterval: 0.2)
    }

    private func addConsumer() throws {
        consumerTags.append(try channel.consume(queue: queue, consumerTag: "airfleet-dlq-\(UUID().uuidString.prefix(8).lowercased())"))
    }
}
