import AMQP
import Foundation

/// One pass over a dead-letter queue: every message that was in it when the pass began is
/// delivered once, and only the ones `remove` is called for leave the queue.
///
/// A message the broker gets back goes to the head of a quorum queue and would be delivered
/// again at once, so the pass keeps everything it does not remove unacknowledged until it ends,
/// and then gives it all back in one `nack`. The broker holds those messages, not this process:
/// only their delivery tags are kept here. The consumer has no prefetch limit, since a limit
/// would stall the pass once that many messages were held; the process reads the socket only as
/// fast as it works, so TCP flow control keeps what waits on this side small.
///
/// Whatever ends the pass (its end, an error, a killed process, a lost broker), nothing is lost:
/// a message leaves the queue only by `remove`, and anything unacknowledged goes back.
final class DeadLetterQueueScan {
    let context: String
    let queue: String
    /// Messages ready when the pass began; later arrivals wait for the next pass.
    let expected: Int
    private let connection: AMQPConnection
    /// Kept for as long as the pass runs: dropping a channel closes it.
    private let channel: AMQPChannel
    private var consumerTag: String?
    private(set) var delivered = 0
    /// The newest delivery tag, and whether that delivery was removed.
    private var newestTag: UInt64 = 0
    private var newestRemoved = false

    init(connection: AMQPConnection, context: String, expected: Int) throws {
        self.connection = connection
        self.context = context
        self.queue = Topology.deadLetterQueue(of: context)
        self.expected = expected
        channel = try connection.openChannel()
        try channel.setPrefetch(0)
        consumerTag = try channel.consume(queue: queue, consumerTag: "airfleet-dlq-\(UUID().uuidString.prefix(8).lowercased())")
    }

    /// True once every message counted at the start was delivered.
    var isComplete: Bool { delivered >= expected }

    /// The next message of the pass; nil when none arrives within `timeout` seconds (0: only
    /// what is already here).
    func next(timeout: Double) throws -> AMQPDelivery? {
        guard !isComplete, let delivery = try connection.nextDelivery(timeout: timeout) else { return nil }
        delivered += 1
        note(delivery.deliveryTag)
        return delivery
    }

    /// Takes a delivered message out of the queue for good.
    func remove(_ delivery: AMQPDelivery) throws {
        try channel.ack(delivery.deliveryTag)
        if delivery.deliveryTag == newestTag { newestRemoved = true }
    }

    /// Stops the consumer and gives back every message not removed.
    func finish() throws {
        if let tag = consumerTag {
            consumerTag = nil
            for late in try channel.cancel(consumerTag: tag) { note(late.deliveryTag) }
        }
        // A nack naming a removed tag would be refused, and closing the channel gives back
        // whatever is unacknowledged anyway; the nack only says so first.
        if newestTag > 0, !newestRemoved { try channel.nack(newestTag, multiple: true, requeue: true) }
        channel.close()
    }

    private func note(_ tag: UInt64) {
        if tag > newestTag {
            newestTag = tag
            newestRemoved = false
        }
    }
}
