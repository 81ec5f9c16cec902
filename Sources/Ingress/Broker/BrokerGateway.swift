import AMQP
import Fleet
import Foundation
import Logging
import Metrics

/// The ingress's way onto RabbitMQ: commands out with confirms, queries out and their answers
/// back, and the outcome of a command for a client that waits for it.
///
/// Blocking rabbitmq-c work stays on the two lanes' own threads; requests on the Swift
/// concurrency pool only suspend on continuations.
public final class BrokerGateway: Sendable {
    private let sender: SenderLane
    private let replies: ReplyLane
    private let source: String
    /// Flight status events for live-update streams.
    public let flightUpdates: FlightUpdateFeed

    /// - Parameter topology: declared when the publisher connects (nil: leave the broker as it is).
    public init(amqp: AMQPConfiguration, topology: Topology?, source: String, logger: Logger) {
        sender = SenderLane(amqp: amqp, topology: topology, logger: logger)
        replies = ReplyLane(amqp: amqp, logger: logger)
        flightUpdates = FlightUpdateFeed(amqp: amqp, logger: logger)
        self.source = source
    }

    public func start() {
        sender.start()
        replies.start()
        flightUpdates.start()
    }

    /// Waits until both connections are up, or `timeout` passes; whether they are.
    public func waitUntilReady(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !isReady, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return isReady
    }

    public func shutdown() {
        sender.shutdown()
        replies.shutdown()
        flightUpdates.shutdown()
    }

    /// Both connections are up: commands can be published and answers received.
    public var isReady: Bool { sender.isConnected && replies.queueName != nil && flightUpdates.isListening }

    // MARK: Commands

    /// What became of a published command.
    public struct Dispatch: Sendable {
        public let commandId: String
        /// The message that settled it, when the caller waited and it came in time.
        public let outcome: ReplyMessage?
    }

    /// Publishes `command`; with `wait`, also waits that long for the first copy `settles` takes
    /// (given the command's id) among what the command causes, or for its dead letter. With
    /// `replyTypes`, only messages of those types are copied back: the rest of the chain costs
    /// the broker nothing more.
    public func send<C: Command>(_ command: C, subject: String?, correlationId: String, wait: Duration?,
                                 replyTypes: Set<MessageType>? = nil,
                                 settles: @escaping @Sendable (ReplyMessage, String) -> Bool = causedDirectly) async throws -> Dispatch {
        let id = UUID.random().lowercasedString
        guard let wait, wait > .zero else {
            let outgoing = try OutgoingMessage.make(command, id: id, source: source, subject: subject, correlationId: correlationId)
            try await deliver(outgoing)
            return Dispatch(commandId: id, outcome: nil)
        }
        guard let replyQueue = replies.queueName else {
            throw BrokerGatewayError.unavailable("RabbitMQ is not reachable from this ingress right now; try again shortly")
        }
        let ticket = replies.waiters.open(key: correlationId, deadline: .now + wait) { message in
            // A dead-lettered copy of this very command also settles it.
            (message.failure != nil && message.envelope?.id == id) || settles(message, id)
        }
        let outgoing = try OutgoingMessage.make(command, id: id, source: source, subject: subject,
                                                correlationId: correlationId, replyTo: replyQueue, replyTypes: replyTypes?.sorted().map(\.description))
        do {
            try await deliver(outgoing)
        } catch {
            replies.waiters.close(ticket)
            throw error
        }
        return Dispatch(commandId: id, outcome: try await replies.waiters.wait(ticket))
    }

    /// The default test for `settles`: a message the command itself caused.
    @Sendable public static func causedDirectly(_ message: ReplyMessage, commandId: String) -> Bool {
        message.envelope?.causationid == commandId
    }

    private func deliver(_ outgoing: OutgoingMessage) async throws {
        let outcome = try await sender.publish(outgoing.amqpMessage)
        Counter(label: "airfleet_ingress_commands_total", dimensions: [("type", outgoing.type.description)]).increment()
        switch outcome {
        case .confirmed: return
        case .returned(let code, let text):
            throw BrokerGatewayError.notDelivered("no queue takes \(outgoing.type) (\(code) \(text)): is its context's topology declared?")
        case .nacked:
            throw BrokerGatewayError.notDelivered("RabbitMQ refused \(outgoing.type) (its queue may be full); try again later")
        }
    }

    // MARK: Queries

    /// Asks and waits for the answer; throws the context's `QueryError`, or a `BrokerGatewayError`.
    public func ask<Q: Query>(_ query: Q, correlationId: String, timeout: Duration) async throws -> Q.Response {
        let started = ContinuousClock.now
        defer {
            Timer(label: "airfleet_ingress_query_duration_seconds", dimensions: [("type", Q.messageType.description)])
                .recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        }
        guard let replyQueue = replies.queueName else {
            throw BrokerGatewayError.unavailable("RabbitMQ is not reachable from this ingress right now; try again shortly")
        }
        let outgoing = try OutgoingMessage.make(query, source: source, correlationId: correlationId)
        var message = outgoing.amqpMessage
        message.mandatory = true
        message.properties.persistent = false
        message.properties.replyTo = replyQueue
        message.properties.expiration = String(max(1, timeout.milliseconds))
        let ticket = replies.waiters.open(key: outgoing.id, deadline: .now + timeout) { $0.envelope == nil }
        let outcome: AMQPPublishOutcome
        do {
            outcome = try await sender.publish(message)
        } catch {
            replies.waiters.close(ticket)
            throw error
        }
        guard case .confirmed = outcome else {
            replies.waiters.close(ticket)
            throw BrokerGatewayError.unavailable("no context answers \(Q.messageType) right now: is a process of it running?")
        }
        guard let reply = try await replies.waiters.wait(ticket) else {
            throw BrokerGatewayError.timedOut("\(Q.messageType) got no answer within \(timeout.seconds) s: its context is not keeping up or not running")
        }
        let decoded: QueryReply<Q.Response>
        do {
            decoded = try FleetJSON.standardDecoder.decode(QueryReply<Q.Response>.self, from: reply.body)
        } catch {
            throw BrokerGatewayError.unavailable("the answer to \(Q.messageType) could not be read: \(error)")
        }
        if let error = decoded.error { throw error }
        guard decoded.ok, let data = decoded.data else {
            throw BrokerGatewayError.unavailable("the answer to \(Q.messageType) held neither data nor error")
        }
        return data
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
