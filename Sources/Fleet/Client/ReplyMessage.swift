import AMQP
import Foundation

/// A message that arrived on a broker client's reply queue: an answer to a query, a copy of a
/// message some command caused, or a copy of a command that was dead-lettered.
public struct ReplyMessage: Sendable {
    public let body: Data
    /// The AMQP type: a message type, or `<query type>.reply` for an answer.
    public let type: String?
    public let correlationId: String?
    /// The envelope of a copied message; nil for a query's answer.
    public let envelope: EnvelopeHeader?
    /// Set when the copy is of a dead letter: why it failed.
    public let failure: Failure?

    public struct Failure: Sendable, Equatable {
        public var kind: String
        public var reason: String
    }

    init(_ delivery: AMQPDelivery) {
        body = delivery.body
        type = delivery.properties.type
        correlationId = delivery.properties.correlationId
        let headers = delivery.properties.headers
        if let kind = headers[FailureHeaders.errorKind]?.stringValue {
            failure = Failure(kind: kind, reason: headers[FailureHeaders.error]?.stringValue ?? "no reason given")
        } else {
            failure = nil
        }
        envelope = (type?.hasSuffix(".reply") ?? true) && failure == nil
            ? nil : try? FleetJSON.standardDecoder.decode(EnvelopeHeader.self, from: delivery.body)
    }

    /// The message type the AMQP type names, when it names one (an answer's does not).
    public var messageType: MessageType? { type.flatMap(MessageType.init(parsing:)) }

    /// Whether this is a copy of a message of type `M`.
    public func carries<M: Message>(_ type: M.Type) -> Bool { self.type == M.messageType.description }

    /// The `data` of a copied message, decoded as `M`.
    public func data<M: Message>(as type: M.Type) throws -> M {
        try FleetJSON.standardDecoder.decode(DataOnly<M>.self, from: body).data
    }

    private struct DataOnly<M: Decodable>: Decodable {
        let data: M
    }
}
