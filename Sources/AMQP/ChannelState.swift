import CRabbitMQ
import Foundation

/// What the connection knows about one channel. The `AMQPChannel` the caller holds and the
/// connection's frame dispatcher share it, because frames for a channel arrive whenever the
/// connection reads, whichever channel's operation is reading.
final class ChannelState {
    enum Phase: Equatable {
        case open
        /// The application closed it with `AMQPChannel.close()`.
        case closedByClient
        /// The broker sent channel.close (a failed declare, publish to a missing exchange…).
        case closedByBroker(code: Int, text: String)
        /// The `AMQPChannel` was dropped: channel.close was sent, close-ok not yet read.
        case detached
        /// The connection is closed or lost.
        case connectionGone
    }

    let id: UInt16
    var phase: Phase = .open
    /// The replies the synchronous method in progress on this channel waits for.
    var expectedReplies: [amqp_method_number_t] = []
    /// Set by the dispatcher when one of `expectedReplies` arrived.
    var reply: MethodReply?
    /// A message whose method frame arrived but whose header or body frames have not yet.
    var content: IncomingContent?
    var confirms = PublishConfirmTracker()
    var consumerTags: Set<String> = []
    /// Remembered so that a reopened channel gets the same settings back.
    var prefetch: UInt16?
    /// Set while an operation that expects the broker may close the channel runs (a passive
    /// declare of a queue that may not exist), so that the close is not logged as a problem.
    var closeIsExpected = false

    init(id: UInt16) {
        self.id = id
    }

    var isOpen: Bool { phase == .open }
}

/// The broker's answer to a synchronous method, copied out of rabbitmq-c's pools.
enum MethodReply {
    case done
    case queue(AMQPQueueState)
    case messageCount(Int)
    case consumerTag(String)
    case getEmpty
    case got(AMQPDelivery)
}

/// A message being put together from its method, header and body frames.
struct IncomingContent {
    enum Purpose {
        case delivery(consumerTag: String, deliveryTag: UInt64, redelivered: Bool)
        case got(deliveryTag: UInt64, redelivered: Bool)
        case returned(replyCode: Int, replyText: String)
    }

    let purpose: Purpose
    let exchange: String
    let routingKey: String
    var properties = AMQPProperties()
    var expectedSize: UInt64 = 0
    var headerSeen = false
    var body = Data()

    init(_ purpose: Purpose, exchange: String, routingKey: String) {
        self.purpose = purpose
        self.exchange = exchange
        self.routingKey = routingKey
    }

    var isComplete: Bool { headerSeen && UInt64(body.count) >= expectedSize }

    func delivery(on channel: UInt16) -> AMQPDelivery {
        let consumerTag: String, deliveryTag: UInt64, redelivered: Bool
        switch purpose {
        case .delivery(let tag, let number, let again): (consumerTag, deliveryTag, redelivered) = (tag, number, again)
        case .got(let number, let again): (consumerTag, deliveryTag, redelivered) = ("", number, again)
        case .returned: (consumerTag, deliveryTag, redelivered) = ("", 0, false)
        }
        return AMQPDelivery(consumerTag: consumerTag, deliveryTag: deliveryTag, redelivered: redelivered,
                            exchange: exchange, routingKey: routingKey, properties: properties,
                            body: body, channel: channel)
    }
}

/// Something the connection read that `nextDelivery` must hand to the caller, in order.
enum ConnectionEvent {
    case delivery(AMQPDelivery)
    /// basic.cancel from the broker: the queue was deleted (or its leader gone for good).
    case consumerCancelled(channel: UInt16, consumerTag: String)
    /// The broker closed a channel that had consumers; they are gone with it.
    case channelClosed(channel: UInt16, code: Int, text: String, consumerTags: [String])

    var channel: UInt16 {
        switch self {
        case .delivery(let delivery): return delivery.channel
        case .consumerCancelled(let channel, _), .channelClosed(let channel, _, _, _): return channel
        }
    }
}
