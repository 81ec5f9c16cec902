import Foundation

/// A message the broker delivered to a consumer (basic.deliver) or answered to basic.get.
public struct AMQPDelivery: Sendable {
    public let consumerTag: String
    /// Acknowledge with this tag on the channel numbered `channel`; tags are per channel.
    public let deliveryTag: UInt64
    public let redelivered: Bool
    public let exchange: String
    public let routingKey: String
    public let properties: AMQPProperties
    public let body: Data
    public let channel: UInt16

    public init(consumerTag: String, deliveryTag: UInt64, redelivered: Bool, exchange: String,
                routingKey: String, properties: AMQPProperties, body: Data, channel: UInt16) {
        self.consumerTag = consumerTag
        self.deliveryTag = deliveryTag
        self.redelivered = redelivered
        self.exchange = exchange
        self.routingKey = routingKey
        self.properties = properties
        self.body = body
        self.channel = channel
    }

    /// How many times a quorum queue delivered this message before (its `x-delivery-count`
    /// header); 0 when absent, which is also what a classic queue gives.
    public var deliveryCount: Int {
        properties.headers["x-delivery-count"]?.intValue.map { Int($0) } ?? 0
    }
}

/// A message to publish.
public struct AMQPOutgoingMessage: Sendable {
    public var exchange: String
    public var routingKey: String
    public var body: Data
    public var properties: AMQPProperties
    /// Ask the broker to return the message (basic.return) when no queue takes it.
    public var mandatory: Bool

    public init(exchange: String, routingKey: String, body: Data,
                properties: AMQPProperties = AMQPProperties(), mandatory: Bool = true) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.properties = properties
        self.mandatory = mandatory
    }
}

/// What the broker said about one published message once confirms are on.
public enum AMQPPublishOutcome: Sendable, Equatable {
    /// The broker took responsibility for it (for a persistent message on a quorum queue: a
    /// quorum of replicas wrote it).
    case confirmed
    /// Mandatory and unroutable: the broker handed it back (312 NO_ROUTE) and then confirmed it.
    case returned(replyCode: Int, replyText: String)
    /// The broker refused it (e.g. a full queue with `x-overflow: reject-publish`).
    case nacked
}

/// A queue's name and counts, as queue.declare-ok reports them.
public struct AMQPQueueState: Sendable, Equatable {
    public let name: String
    public let messageCount: Int
    public let consumerCount: Int

    public init(name: String, messageCount: Int, consumerCount: Int) {
        self.name = name
        self.messageCount = messageCount
        self.consumerCount = consumerCount
    }
}

/// The exchange types RabbitMQ ships with.
public enum AMQPExchangeType: String, Sendable {
    case direct, topic, fanout, headers
}
