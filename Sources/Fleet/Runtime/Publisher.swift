import AMQP
import Foundation
import Logging

/// Publishes messages with confirms and reports, for each, whether a queue took it.
///
/// Used from one thread at a time, like the connection it owns.
public final class Publisher {
    /// What became of one published message.
    public enum Outcome: Sendable, Equatable {
        /// The broker confirmed it and a queue of its type took it.
        case delivered
        /// Confirmed, but no context takes it: a command nobody owns waits in `airfleet.unroutable`;
        /// anything else was returned by the broker.
        case unroutable(reason: String)
    }

    public struct Receipt: Sendable, Equatable {
        public let id: String
        public let type: MessageType
        public let outcome: Outcome
    }

    private let connection: AMQPConnection
    private let channel: AMQPChannel
    private let topology: Topology?
    public let source: String

    /// - Parameter topology: the fleet's topology, to tell which commands have an owner; commands
    ///   published to the commands exchange are always confirmed (its alternate exchange keeps
    ///   what no context owns), so only the topology can say that none does.
    public init(amqp: AMQPConfiguration, topology: Topology?, source: String, logger: Logger) throws {
        connection = try AMQPConnection(amqp.withConnectionName("\(source) publisher"), logger: logger)
        channel = try connection.openChannel()
        try channel.enableConfirms()
        self.topology = topology
        self.source = source
    }

    /// - Parameter replyTo: a queue of the caller's where copies of what this message causes
    ///   arrive (see `OutgoingMessage.replyTo`).
    public func publish<M: Message>(_ message: M, subject: String? = nil, correlationId: String? = nil,
                                    replyTo: String? = nil) throws -> Receipt {
        try publish([try OutgoingMessage.make(message, source: source, subject: subject, correlationId: correlationId,
                                              replyTo: replyTo)])[0]
    }

    /// Publishes a batch and waits for every confirm; throws if the broker refused any.
    public func publish(_ messages: [OutgoingMessage]) throws -> [Receipt] {
        let results = try channel.publishConfirmed(messages.map(\.amqpMessage))
        return try zip(messages, results).map { message, result in
            switch result {
            case .nacked:
                throw FleetError("the broker refused \(message.type) \(message.id) (nack): the queue may be full or the broker short of resources; try again later")
            case .returned(let code, let text):
                return Receipt(id: message.id, type: message.type,
                               outcome: .unroutable(reason: "the broker returned it: \(code) \(text)"))
            case .confirmed:
                if let reason = topology?.unownedReason(of: message) {
                    return Receipt(id: message.id, type: message.type, outcome: .unroutable(reason: reason))
                }
                return Receipt(id: message.id, type: message.type, outcome: .delivered)
            }
        }
    }

    /// Keeps an idle publisher's connection alive; call it now and then between publishes.
    public func keepAlive() throws { try connection.serviceHeartbeats() }

    public func close() { connection.close() }
}
