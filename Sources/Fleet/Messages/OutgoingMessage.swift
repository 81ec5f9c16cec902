import AMQP
import Foundation

/// A message encoded in its envelope and addressed, ready for the outbox or the broker.
public struct OutgoingMessage: Sendable, Equatable {
    public let id: String
    public let type: MessageType
    public let exchange: String
    public let body: Data
    public let correlationId: String?
    public let time: Date
    public let source: String
    /// The queue where whoever started this chain of messages waits for its outcome; every
    /// message caused by this one carries it on.
    public let replyTo: String?
    /// The types the caller at `replyTo` waits for, when it named them (AMQP header
    /// `x-airfleet-reply-types`, comma-separated): only those are copied to it, though every
    /// message caused carries both on. Nil copies everything.
    public let replyTypes: [String]?

    public static let replyTypesHeader = "x-airfleet-reply-types"

    public init(id: String, type: MessageType, exchange: String, body: Data, correlationId: String?,
                time: Date, source: String, replyTo: String? = nil, replyTypes: [String]? = nil) {
        self.id = id
        self.type = type
        self.exchange = exchange
        self.body = body
        self.correlationId = correlationId
        self.time = time
        self.source = source
        self.replyTo = replyTo?.isEmpty == true ? nil : replyTo
        self.replyTypes = self.replyTo == nil ? nil : replyTypes
    }

    /// The reply types a delivery's headers name, if any.
    public static func replyTypes(in headers: AMQPTable) -> [String]? {
        guard let text = headers[replyTypesHeader]?.stringValue else { return nil }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Wraps a message in a new envelope addressed to the exchange its kind travels on, in the
    /// current trace (see `MessageTracing.headers(creating:)`).
    public static func make<M: Message>(
        _ message: M, id: String = UUID.timeOrdered().lowercasedString, source: String, subject: String? = nil,
        correlationId: String? = nil, causationId: String? = nil, time: Date = Date(), replyTo: String? = nil,
        replyTypes: [String]? = nil, inheritingTrace inherited: TraceHeaders? = nil
    ) throws -> OutgoingMessage {
        let exchange = Topology.exchange(for: M.kind)
        let trace = MessageTracing.headers(creating: M.messageType, id: id, exchange: exchange, inheriting: inherited)
        let header = EnvelopeHeader(id: id, type: M.messageType, source: source, time: time, subject: subject,
                                    correlationId: correlationId ?? id, causationId: causationId, trace: trace)
        let body = try FleetJSON.standardEncoder.encode(EnvelopeDocument(header: header, data: message))
        return OutgoingMessage(id: id, type: M.messageType, exchange: exchange, body: body,
                               correlationId: correlationId ?? id, time: time, source: source, replyTo: replyTo,
                               replyTypes: replyTypes)
    }

    /// The AMQP form: properties mirror the envelope; commands must reach a queue (mandatory),
    /// events may have no follower yet.
    public var amqpMessage: AMQPOutgoingMessage {
        AMQPOutgoingMessage(
            exchange: exchange, routingKey: type.description, body: body,
            properties: AMQPProperties(
                contentType: "application/cloudevents+json",
                headers: replyTypes.map { [Self.replyTypesHeader: .string($0.joined(separator: ","))] } ?? [:],
                persistent: true, correlationId: correlationId,
                replyTo: replyTo, messageId: id, timestamp: time, type: type.description, appId: source),
            mandatory: exchange != Topology.eventsExchange)
    }

    /// The copy sent straight to `replyTo`: transient and best effort, since the waiting caller
    /// may have gone; the message itself travels on its exchange regardless.
    public var replyCopy: AMQPOutgoingMessage? {
        guard let replyTo, replyTypes?.contains(type.description) ?? true else { return nil }
        var copy = amqpMessage
        copy.exchange = ""
        copy.routingKey = replyTo
        copy.mandatory = false
        copy.properties.persistent = false
        return copy
    }
}

extension [OutgoingMessage] {
    /// The messages in their AMQP form, then the reply copies of those that have one: the
    /// outcomes of the messages themselves come first, in order.
    public var withReplyCopies: [AMQPOutgoingMessage] { map(\.amqpMessage) + compactMap(\.replyCopy) }
}
