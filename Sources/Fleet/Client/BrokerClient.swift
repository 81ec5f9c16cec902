import AMQP
import Foundation
import Logging

/// The fleet's client of RabbitMQ for async code: commands out with confirms, queries out and
/// their answers back, and the outcome of a command for a caller that waits for it. The HTTP
/// ingress, `airfleet publish` and `airfleet user create` use it.
///
/// Blocking rabbitmq-c work stays on its two lanes' own threads, each with its connection;
/// callers on the Swift concurrency pool only suspend on continuations. Both lanes reconnect by
/// themselves; a request asked while one reconnects waits for it, up to 2 s after the loss
/// (`ReconnectWindow`), and fails with `BrokerClientError.unavailable` past that.
public final class BrokerClient: Sendable {
    private let sender: SenderLane
    private let replies: ReplyLane
    public let source: String

    /// - Parameter topology: declared whenever the publishing lane connects (nil: leave the
    ///   broker as it is).
    public init(amqp: AMQPConfiguration, topology: Topology?, source: String, logger: Logger) {
        sender = SenderLane(amqp: amqp, topology: topology, logger: logger)
        replies = ReplyLane(amqp: amqp, logger: logger)
        self.source = source
    }

    public func start() {
        sender.start()
        replies.start()
    }

    /// Waits until both connections are up, or `timeout` passes; whether they are.
    public func waitUntilReady(timeout: Duration) async -> Bool {
        await Self.poll(within: timeout) { isReady }
    }

    /// Checks `condition` every 50 ms until it holds or `timeout` passes; whether it held.
    public static func poll(within timeout: Duration, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition(), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return condition()
    }

    public func shutdown() {
        sender.shutdown()
        replies.shutdown()
    }

    /// Both connections are up: commands can be published and answers received.
    public var isReady: Bool { sender.isConnected && replies.queueName != nil }

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
        try await send(id: UUID.timeOrdered().lowercasedString, wait: wait, settles: settles) { id, replyTo in
            try OutgoingMessage.make(command, id: id, source: source, subject: subject, correlationId: correlationId,
                                     replyTo: replyTo, replyTypes: replyTypes?.sorted().map(\.description))
        }
    }

    /// The same for a message already encoded (`airfleet publish` reads any type from JSON).
    public func send(_ message: OutgoingMessage, wait: Duration?,
                     settles: @escaping @Sendable (ReplyMessage, String) -> Bool = causedDirectly) async throws -> Dispatch {
        try await send(id: message.id, wait: wait, settles: settles) { _, replyTo in
            OutgoingMessage(id: message.id, type: message.type, exchange: message.exchange, body: message.body,
                            correlationId: message.correlationId, time: message.time, source: message.source, replyTo: replyTo)
        }
    }

    /// The default test for `settles`: a message the command itself caused.
    @Sendable public static func causedDirectly(_ message: ReplyMessage, commandId: String) -> Bool {
        message.envelope?.causationid == commandId
    }

    private func send(id: String, wait: Duration?, settles: @escaping @Sendable (ReplyMessage, String) -> Bool,
                      make: (_ id: String, _ replyTo: String?) throws -> OutgoingMessage) async throws -> Dispatch {
        guard let wait, wait > .zero else {
            try await deliver(try make(id, nil))
            return Dispatch(commandId: id, outcome: nil)
        }
        guard let replyQueue = await replies.currentQueueName() else { throw BrokerClientError.unreachable }
        let outgoing = try make(id, replyQueue)
        let ticket = replies.waiters.open(key: outgoing.correlationId ?? id, deadline: .now + wait) { message in
            // A dead-lettered copy of this very command also settles it.
            (message.failure != nil && message.envelope?.id == id) || settles(message, id)
        }
        do {
            try await deliver(outgoing)
        } catch {
            replies.waiters.close(ticket)
            throw error
        }
        return Dispatch(commandId: id, outcome: try await replies.waiters.wait(ticket))
    }

    private func deliver(_ outgoing: OutgoingMessage) async throws {
        switch try await sender.publish(outgoing.amqpMessage) {
        case .confirmed: return
        case .returned(let code, let text):
            throw BrokerClientError.notDelivered("no queue takes \(outgoing.type) (\(code) \(text)): is its context's topology declared?")
        case .nacked:
            throw BrokerClientError.notDelivered("RabbitMQ refused \(outgoing.type) (its queue may be full); try again later")
        }
    }

    // MARK: Queries

    /// Asks and waits for the answer; throws the context's `QueryError`, or a `BrokerClientError`.
    public func ask<Q: Query>(_ query: Q, correlationId: String, timeout: Duration) async throws -> Q.Response {
        let body = try await askRaw(try OutgoingMessage.make(query, source: source, correlationId: correlationId), timeout: timeout)
        do {
            return try QueryReply<Q.Response>.data(of: body, answering: Q.messageType, decoder: FleetJSON.standardDecoder)
        } catch let failure as QueryClient.Failure {
            throw BrokerClientError.unavailable("\(failure)")
        }
    }

    /// Sends an encoded query and returns the raw reply body (`{"ok":…,"data":…}`).
    public func askRaw(_ query: OutgoingMessage, timeout: Duration) async throws -> Data {
        guard let replyQueue = await replies.currentQueueName() else { throw BrokerClientError.unreachable }
        let ticket = replies.waiters.open(key: query.id, deadline: .now + timeout) { $0.envelope == nil }
        let outcome: AMQPPublishOutcome
        do {
            outcome = try await sender.publish(query.asQuery(replyTo: replyQueue, timeout: timeout))
        } catch {
            replies.waiters.close(ticket)
            throw error
        }
        guard case .confirmed = outcome else {
            replies.waiters.close(ticket)
            throw BrokerClientError.unavailable("no context answers \(query.type) right now: is a process of it running?")
        }
        guard let reply = try await replies.waiters.wait(ticket) else {
            throw BrokerClientError.timedOut("\(query.type) got no answer within \(timeout.seconds) s: its context is not keeping up or not running")
        }
        return reply.body
    }
}
