import CRabbitMQ
import Foundation

/// One channel of an `AMQPConnection`: topology, publishing with confirms, consuming.
///
/// Same threading rule as its connection: one thread at a time. The channel keeps its
/// connection alive; dropping the channel object closes the channel on the broker.
public final class AMQPChannel {
    public let id: UInt16
    let connection: AMQPConnection
    let state: ChannelState
    /// Made at the first publish, with the connection's frame_max.
    var frames: PublishFrames?

    init(connection: AMQPConnection, state: ChannelState) {
        self.connection = connection
        self.state = state
        self.id = state.id
    }

    deinit {
        connection.detachChannel(state)
    }

    /// False once this channel or its connection was closed, by either side.
    public var isOpen: Bool { state.isOpen && connection.isOpen }

    public func declareExchange(_ name: String, type: AMQPExchangeType, durable: Bool = true,
                                autoDelete: Bool = false, internal: Bool = false,
                                arguments: AMQPTable = [:]) throws {
        try WireArena.with { arena in
            var method = amqp_exchange_declare_t(
                ticket: 0, exchange: arena.bytes(name), type: arena.bytes(type.rawValue), passive: 0,
                durable: flag(durable), auto_delete: flag(autoDelete), internal: flag(`internal`), nowait: 0,
                arguments: arena.table(arguments))
            _ = try call(AMQP_EXCHANGE_DECLARE_METHOD, &method, expecting: AMQP_EXCHANGE_DECLARE_OK_METHOD,
                         operation: "declare \(type.rawValue) exchange '\(name)'")
        }
    }

    /// Declares a queue (an empty name lets the broker choose one, returned in the state).
    @discardableResult
    public func declareQueue(_ name: String, durable: Bool = true, exclusive: Bool = false,
                             autoDelete: Bool = false, arguments: AMQPTable = [:]) throws -> AMQPQueueState {
        try declareQueue(name, passive: false, durable: durable, exclusive: exclusive, autoDelete: autoDelete,
                         arguments: arguments, operation: "declare queue '\(name)'")
    }

    /// Declares a queue whose messages may be dropped (queries waiting for an answer): if one of
    /// that name exists with other properties (406), it is deleted with its messages and
    /// declared as asked. Call it before the channel consumes or publishes with confirms: the
    /// broker closes the channel on the 406, and it is reopened.
    @discardableResult
    public func declareQueueReplacing(_ name: String, durable: Bool, arguments: AMQPTable = [:]) throws -> AMQPQueueState {
        let operation = "declare queue '\(name)'"
        do {
            state.closeIsExpected = true
            defer { state.closeIsExpected = false }
            return try declareQueue(name, passive: false, durable: durable, exclusive: false, autoDelete: false,
                                    arguments: arguments, operation: operation)
        } catch let error as AMQPError where error.kind == .channelClosed && error.replyCode == 406 {
            try reopen(operation: operation)
            connection.logger.warning("queue declared before with other properties; replacing it, and the messages it held",
                                      metadata: ["amqp.queue": "\(name)", "error": "\(error.reason)"])
            try deleteQueue(name)
            return try declareQueue(name, durable: durable, arguments: arguments)
        }
    }

    /// The queue's counts, or nil when it does not exist. A passive declare of a missing queue
    /// makes the broker close the channel (404); the channel is then reopened on the same
    /// number with its prefetch and confirm mode, so this object stays usable. A channel with
    /// consumers or unconfirmed publishes would lose them that way, so then a short-lived
    /// second channel asks instead.
    public func inspectQueue(_ name: String) throws -> AMQPQueueState? {
        let operation = "inspect queue '\(name)'"
        if !state.consumerTags.isEmpty || state.confirms.unconfirmedCount > 0 {
            let scratch = try connection.openChannel()
            defer { scratch.close() }
            return try scratch.passiveDeclare(name, operation: operation)
        }
        guard let queue = try passiveDeclare(name, operation: operation) else {
            try reopen(operation: operation)
            return nil
        }
        return queue
    }

    /// Deletes a queue; returns how many messages it held.
    @discardableResult
    public func deleteQueue(_ name: String, ifUnused: Bool = false, ifEmpty: Bool = false) throws -> Int {
        let reply = try WireArena.with { arena in
            var method = amqp_queue_delete_t(ticket: 0, queue: arena.bytes(name), if_unused: flag(ifUnused),
                                             if_empty: flag(ifEmpty), nowait: 0)
            return try call(AMQP_QUEUE_DELETE_METHOD, &method, expecting: AMQP_QUEUE_DELETE_OK_METHOD,
                            operation: "delete queue '\(name)'")
        }
        return reply.messageCount
    }

    /// Removes every ready message from a queue; returns how many.
    @discardableResult
    public func purgeQueue(_ name: String) throws -> Int {
        let reply = try WireArena.with { arena in
            var method = amqp_queue_purge_t(ticket: 0, queue: arena.bytes(name), nowait: 0)
            return try call(AMQP_QUEUE_PURGE_METHOD, &method, expecting: AMQP_QUEUE_PURGE_OK_METHOD,
                            operation: "purge queue '\(name)'")
        }
        return reply.messageCount
    }

    public func deleteExchange(_ name: String, ifUnused: Bool = false) throws {
        try WireArena.with { arena in
            var method = amqp_exchange_delete_t(ticket: 0, exchange: arena.bytes(name), if_unused: flag(ifUnused), nowait: 0)
            _ = try call(AMQP_EXCHANGE_DELETE_METHOD, &method, expecting: AMQP_EXCHANGE_DELETE_OK_METHOD,
                         operation: "delete exchange '\(name)'")
        }
    }

    public func bindQueue(_ queue: String, exchange: String, routingKey: String, arguments: AMQPTable = [:]) throws {
        try WireArena.with { arena in
            var method = amqp_queue_bind_t(ticket: 0, queue: arena.bytes(queue), exchange: arena.bytes(exchange),
                                           routing_key: arena.bytes(routingKey), nowait: 0, arguments: arena.table(arguments))
            _ = try call(AMQP_QUEUE_BIND_METHOD, &method, expecting: AMQP_QUEUE_BIND_OK_METHOD,
                         operation: "bind queue '\(queue)' to exchange '\(exchange)' with routing key '\(routingKey)'")
        }
    }

    public func unbindQueue(_ queue: String, exchange: String, routingKey: String, arguments: AMQPTable = [:]) throws {
        try WireArena.with { arena in
            var method = amqp_queue_unbind_t(ticket: 0, queue: arena.bytes(queue), exchange: arena.bytes(exchange),
                                             routing_key: arena.bytes(routingKey), arguments: arena.table(arguments))
            _ = try call(AMQP_QUEUE_UNBIND_METHOD, &method, expecting: AMQP_QUEUE_UNBIND_OK_METHOD,
                         operation: "unbind queue '\(queue)' from exchange '\(exchange)' with routing key '\(routingKey)'")
        }
    }

    /// Routes what reaches `source` with `routingKey` on to `destination` as well.
    public func bindExchange(destination: String, source: String, routingKey: String) throws {
        try WireArena.with { arena in
            var method = amqp_exchange_bind_t(ticket: 0, destination: arena.bytes(destination), source: arena.bytes(source),
                                              routing_key: arena.bytes(routingKey), nowait: 0,
                                              arguments: amqp_table_t(num_entries: 0, entries: nil))
            _ = try call(AMQP_EXCHANGE_BIND_METHOD, &method, expecting: AMQP_EXCHANGE_BIND_OK_METHOD,
                         operation: "bind exchange '\(destination)' to exchange '\(source)' with routing key '\(routingKey)'")
        }
    }

    /// How many unacknowledged deliveries the broker may have outstanding per consumer on this
    /// channel (0 = unlimited).
    public func setPrefetch(_ count: UInt16) throws {
        var method = amqp_basic_qos_t(prefetch_size: 0, prefetch_count: count, global: 0)
        _ = try call(AMQP_BASIC_QOS_METHOD, &method, expecting: AMQP_BASIC_QOS_OK_METHOD,
                     operation: "set prefetch \(count) on channel \(id)")
        state.prefetch = count
    }

    /// Closes the channel (channel.close, best effort). Later operations on it throw.
    public func close() {
        connection.closeChannel(state)
    }

    // MARK: - Internals shared by the extensions

    func call(_ method: amqp_method_number_t, _ arguments: UnsafeMutableRawPointer,
              expecting reply: amqp_method_number_t, operation: String, timeout: Double? = nil) throws -> MethodReply {
        try connection.call(state, method, arguments, expecting: [reply], operation: operation, timeout: timeout)
    }

    private func declareQueue(_ name: String, passive: Bool, durable: Bool, exclusive: Bool, autoDelete: Bool,
                              arguments: AMQPTable, operation: String) throws -> AMQPQueueState {
        let reply = try WireArena.with { arena in
            var method = amqp_queue_declare_t(
                ticket: 0, queue: arena.bytes(name), passive: flag(passive), durable: flag(durable),
                exclusive: flag(exclusive), auto_delete: flag(autoDelete), nowait: 0, arguments: arena.table(arguments))
            return try call(AMQP_QUEUE_DECLARE_METHOD, &method, expecting: AMQP_QUEUE_DECLARE_OK_METHOD, operation: operation)
        }
        guard case .queue(let queue) = reply else {
            throw AMQPError(.unexpectedFrame, operation: operation, reason: "the broker's answer carried no queue state")
        }
        return queue
    }

    /// The queue's state, or nil when the broker answered 404 (and closed this channel).
    private func passiveDeclare(_ name: String, operation: String) throws -> AMQPQueueState? {
        state.closeIsExpected = true
        defer { state.closeIsExpected = false }
        do {
            return try declareQueue(name, passive: true, durable: false, exclusive: false, autoDelete: false,
                                    arguments: [:], operation: operation)
        } catch let error as AMQPError where error.kind == .channelClosed && error.replyCode == 404 {
            return nil
        }
    }

    /// Opens this channel number again after the broker closed it, with the same prefetch and
    /// confirm mode (confirm sequence numbers restart at 1).
    private func reopen(operation: String) throws {
        let prefetch = state.prefetch
        let confirming = state.confirms.isEnabled
        try connection.openOnBroker(state, operation: "\(operation): reopen channel \(id)")
        if let prefetch { try setPrefetch(prefetch) }
        if confirming { try enableConfirms() }
    }
}

@available(*, unavailable, message: "an AMQPChannel must stay on its connection's thread; rabbitmq-c is not thread-safe")
extension AMQPChannel: Sendable {}

func flag(_ value: Bool) -> amqp_boolean_t { value ? 1 : 0 }

extension MethodReply {
    var messageCount: Int {
        if case .messageCount(let count) = self { return count }
        return 0
    }
}
