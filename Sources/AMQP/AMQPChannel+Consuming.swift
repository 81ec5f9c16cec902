import CRabbitMQ
import Foundation

extension AMQPChannel {
    /// Starts a consumer; its deliveries come out of the connection's `nextDelivery`. Returns
    /// the consumer tag (the broker makes one up when `consumerTag` is empty).
    @discardableResult
    public func consume(queue: String, consumerTag: String = "", noAck: Bool = false, exclusive: Bool = false,
                        arguments: AMQPTable = [:]) throws -> String {
        let operation = "consume from queue '\(queue)' on channel \(id)"
        let reply = try WireArena.with { arena in
            var method = amqp_basic_consume_t(
                ticket: 0, queue: arena.bytes(queue), consumer_tag: arena.bytes(consumerTag), no_local: 0,
                no_ack: flag(noAck), exclusive: flag(exclusive), nowait: 0, arguments: arena.table(arguments))
            return try call(AMQP_BASIC_CONSUME_METHOD, &method, expecting: AMQP_BASIC_CONSUME_OK_METHOD,
                            operation: operation)
        }
        guard case .consumerTag(let tag) = reply else {
            throw AMQPError(.unexpectedFrame, operation: operation, reason: "basic.consume-ok carried no consumer tag")
        }
        state.consumerTags.insert(tag)
        return tag
    }

    /// Cancels a consumer and returns its deliveries that arrived before the broker's
    /// cancel-ok but were not yet taken by `nextDelivery`, so a draining consumer can finish
    /// (and acknowledge) them instead of dropping them. No delivery for it follows.
    public func cancel(consumerTag: String, timeout: Double = 10) throws -> [AMQPDelivery] {
        try WireArena.with { arena in
            var method = amqp_basic_cancel_t(consumer_tag: arena.bytes(consumerTag), nowait: 0)
            // call() reads frames itself, so deliveries arriving meanwhile are buffered, not lost.
            _ = try call(AMQP_BASIC_CANCEL_METHOD, &method, expecting: AMQP_BASIC_CANCEL_OK_METHOD,
                         operation: "cancel consumer '\(consumerTag)' on channel \(id)", timeout: timeout)
        }
        state.consumerTags.remove(consumerTag)
        return connection.takeDeliveries(channel: id, consumerTag: consumerTag)
    }

    public func ack(_ deliveryTag: UInt64, multiple: Bool = false) throws {
        let operation = "ack delivery \(deliveryTag)\(multiple ? " and all before it" : "") on channel \(id)"
        let handle = try connection.requireUsable(state, operation)
        try check(amqp_basic_ack(handle, id, deliveryTag, flag(multiple)), operation)
    }

    public func nack(_ deliveryTag: UInt64, multiple: Bool = false, requeue: Bool = true) throws {
        let operation = "nack delivery \(deliveryTag)\(multiple ? " and all before it" : "") on channel \(id)"
        let handle = try connection.requireUsable(state, operation)
        try check(amqp_basic_nack(handle, id, deliveryTag, flag(multiple), flag(requeue)), operation)
    }

    /// Rejects one delivery; without requeue it goes to the queue's dead-letter exchange, if any.
    public func reject(_ deliveryTag: UInt64, requeue: Bool) throws {
        let operation = "reject delivery \(deliveryTag) on channel \(id)"
        let handle = try connection.requireUsable(state, operation)
        try check(amqp_basic_reject(handle, id, deliveryTag, flag(requeue)), operation)
    }

    /// Takes one message from a queue (basic.get); nil when the queue is empty.
    public func get(queue: String, noAck: Bool = false) throws -> AMQPDelivery? {
        let reply = try WireArena.with { arena in
            var method = amqp_basic_get_t(ticket: 0, queue: arena.bytes(queue), no_ack: flag(noAck))
            return try connection.call(state, AMQP_BASIC_GET_METHOD, &method,
                                       expecting: [AMQP_BASIC_GET_OK_METHOD, AMQP_BASIC_GET_EMPTY_METHOD],
                                       operation: "get a message from queue '\(queue)'")
        }
        if case .got(let delivery) = reply { return delivery }
        return nil
    }

    private func check(_ status: Int32, _ operation: String) throws {
        guard status == AMQP_STATUS_OK.rawValue else { throw connection.sendFailed(status, operation) }
    }
}
