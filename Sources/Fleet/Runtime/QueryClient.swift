import AMQP
import Foundation
import Logging

/// Asks queries over RabbitMQ's direct reply-to and waits for the answer, blocking: for code
/// that runs on a thread of its own (a handler's, a tool's). Async callers use `BrokerClient`.
///
/// Used from one thread at a time, like the connection it owns.
public final class QueryClient {
    /// Why a query got no answer.
    public enum Failure: Error, CustomStringConvertible {
        case timedOut(type: MessageType, seconds: Double)
        case noResponder(type: MessageType)
        case undecodableReply(type: MessageType, reason: String)

        public var description: String {
            switch self {
            case .timedOut(let type, let seconds):
                "\(type) got no answer within \(seconds) s: is a process of the context that answers it running and keeping up?"
            case .noResponder(let type):
                "no context answers \(type): no queue is bound for it on \(Topology.queriesExchange) (declare the topology, or check the type)"
            case .undecodableReply(let type, let reason):
                "the answer to \(type) could not be read: \(reason)"
            }
        }
    }

    private let connection: AMQPConnection
    private let channel: AMQPChannel
    private let source: String
    private let decoder = FleetJSON.decoder()

    public init(amqp: AMQPConfiguration, source: String, logger: Logger) throws {
        connection = try AMQPConnection(amqp.withConnectionName("\(source) query client"), logger: logger)
        channel = try connection.openChannel()
        try channel.consume(queue: "amq.rabbitmq.reply-to", noAck: true)
        try channel.enableConfirms()
        self.source = source
    }

    /// Asks and waits; the query expires unanswered in the broker once the caller has given up.
    public func ask<Q: Query>(_ query: Q, timeout: Duration = .seconds(5), correlationId: String? = nil) throws -> Q.Response {
        let outgoing = try OutgoingMessage.make(query, source: source, correlationId: correlationId)
        return try QueryReply<Q.Response>.data(of: try askRaw(outgoing, timeout: timeout), answering: Q.messageType, decoder: decoder)
    }

    /// Sends an encoded query and returns the raw reply body (`{"ok":…,"data":…}`).
    public func askRaw(_ query: OutgoingMessage, timeout: Duration) throws -> Data {
        let deadline = ContinuousClock.now + timeout
        let message = query.asQuery(replyTo: "amq.rabbitmq.reply-to", timeout: timeout)
        guard case .confirmed = try channel.publishConfirmed([message], timeout: timeout.seconds)[0] else {
            throw Failure.noResponder(type: query.type)
        }
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero, let delivery = try connection.nextDelivery(timeout: remaining.seconds) else {
                throw Failure.timedOut(type: query.type, seconds: timeout.seconds)
            }
            // Answers to queries this client already gave up on may still arrive: skip them.
            if delivery.properties.correlationId == query.id { return delivery.body }
        }
    }

    public func close() { connection.close() }
}
