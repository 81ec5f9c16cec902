import CRabbitMQ
import Foundation
import Logging

/// The connection's single frame reader. rabbitmq-c's own RPC helpers (amqp_simple_rpc and the
/// amqp_queue_declare family) park every unrelated frame in an internal list that only
/// amqp_simple_wait_frame drains, and amqp_consume_message gives up on anything that is not a
/// basic.deliver. Reading every frame here instead means deliveries, confirms, returns, and
/// channel closes are handled the moment they arrive, whatever operation happens to be reading.
extension AMQPConnection {
    /// Sends a synchronous method on `channel` and reads frames until its reply arrives. Frames
    /// for other channels, and deliveries on this one, are dispatched on the way.
    func call(_ channel: ChannelState, _ method: amqp_method_number_t, _ arguments: UnsafeMutableRawPointer,
              expecting replies: [amqp_method_number_t], operation: String,
              timeout: Double? = nil) throws -> MethodReply {
        let handle = try requireUsable(channel, operation)
        channel.expectedReplies = replies
        channel.reply = nil
        defer {
            channel.expectedReplies = []
            channel.reply = nil
        }
        let status = amqp_send_method(handle, channel.id, method, arguments)
        guard status == AMQP_STATUS_OK.rawValue else { throw sendFailed(status, operation) }
        let limit = timeout ?? configuration.rpcTimeout
        let deadline = Deadline.after(limit)
        while true {
            if let reply = channel.reply { return reply }
            if case .closedByBroker(let code, let text) = channel.phase {
                throw AMQPError.brokerClosedChannel(operation, channel: channel.id, code: code, text: text)
            }
            guard try readFrame(until: deadline, operation: operation) else {
                // A late answer would be taken for the answer to the next method on this
                // channel, so the connection cannot be trusted any more.
                throw connectionLost(AMQPError(.timeout, operation: operation,
                                               reason: "the broker did not answer within \(limit) s; the connection was closed",
                                               connectionLost: true))
            }
        }
    }

    /// The error for a failed write. A broker that closed the connection usually said why in a
    /// connection.close that is still unread in the socket; that reason is the useful one.
    func sendFailed(_ status: Int32, _ operation: String) -> AMQPError {
        let error = AMQPError.library(status, operation)
        guard error.isConnectionLost, handle != nil else { return error }
        do {
            try readAvailableFrames(operation: operation)
        } catch let reason as AMQPError {
            return connectionLost(reason)
        } catch {}
        return connectionLost(error)
    }

    /// Reads one frame, waiting until `deadline`, and handles it. False when the deadline
    /// passed first.
    func readFrame(until deadline: Deadline, operation: String) throws -> Bool {
        let handle = try requireOpen(operation)
        var frame = amqp_frame_t()
        let status: Int32
        if var wait = deadline.waitTime {
            status = amqp_simple_wait_frame_noblock(handle, &frame, &wait)
        } else {
            status = amqp_simple_wait_frame_noblock(handle, &frame, nil)
        }
        if status == AMQP_STATUS_TIMEOUT.rawValue { return false }
        guard status == AMQP_STATUS_OK.rawValue else {
            throw connectionLost(.library(status, operation))
        }
        try dispatch(frame, operation: operation)
        // Everything the frame pointed to has been copied; let rabbitmq-c reuse the memory.
        if let handle = self.handle { amqp_maybe_release_buffers_on_channel(handle, frame.channel) }
        return true
    }

    private func dispatch(_ frame: amqp_frame_t, operation: String) throws {
        switch Int32(frame.frame_type) {
        case AMQP_FRAME_METHOD:
            if frame.channel == 0 {
                try handleConnectionMethod(frame.payload.method, operation: operation)
            } else if let channel = channels[frame.channel] {
                handleChannelMethod(frame.payload.method, on: channel)
            } else {
                logger.debug("ignoring \(ConnectionHandshake.methodName(frame.payload.method.id)) for unknown channel \(frame.channel)")
            }
        case AMQP_FRAME_HEADER:
            guard let channel = channels[frame.channel], var content = channel.content,
                  let decoded = frame.payload.properties.decoded else { return }
            content.properties = AMQPProperties(decoding: decoded.assumingMemoryBound(to: amqp_basic_properties_t.self).pointee)
            content.expectedSize = frame.payload.properties.body_size
            content.headerSeen = true
            content.body.reserveCapacity(Int(clamping: content.expectedSize))
            channel.content = content
            if content.isComplete { finish(content, on: channel) }
        case AMQP_FRAME_BODY:
            guard let channel = channels[frame.channel], channel.content != nil else { return }
            let fragment = frame.payload.body_fragment
            if let bytes = fragment.bytes, fragment.len > 0 {
                channel.content!.body.append(bytes.assumingMemoryBound(to: UInt8.self), count: fragment.len)
            }
            if let content = channel.content, content.isComplete { finish(content, on: channel) }
        default:
            // Heartbeats never get here: rabbitmq-c consumes them while waiting.
            break
        }
    }

    private func handleConnectionMethod(_ method: amqp_method_t, operation: String) throws {
        switch method.id {
        case AMQP_CONNECTION_CLOSE_METHOD:
            let close = decoded(method, as: amqp_connection_close_t.self)
            let text = WireDecoding.string(close.reply_text)
            if let handle {
                var ok = amqp_connection_close_ok_t()
                _ = amqp_send_method(handle, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok)
            }
            throw connectionLost(.brokerClosedConnection(operation, code: Int(close.reply_code), text: text))
        case AMQP_CONNECTION_BLOCKED_METHOD:
            isBlocked = true
            let reason = WireDecoding.string(decoded(method, as: amqp_connection_blocked_t.self).reason)
            logger.warning("the broker blocked publishing on this connection", metadata: ["reason": "\(reason)"])
        case AMQP_CONNECTION_UNBLOCKED_METHOD:
            isBlocked = false
            logger.info("the broker unblocked publishing on this connection")
        default:
            logger.debug("ignoring \(ConnectionHandshake.methodName(method.id)) on channel 0")
        }
    }

    private func handleChannelMethod(_ method: amqp_method_t, on channel: ChannelState) {
        switch method.id {
        case AMQP_BASIC_DELIVER_METHOD:
            let deliver = decoded(method, as: amqp_basic_deliver_t.self)
            channel.content = IncomingContent(
                .delivery(consumerTag: WireDecoding.string(deliver.consumer_tag), deliveryTag: deliver.delivery_tag,
                          redelivered: deliver.redelivered != 0),
                exchange: WireDecoding.string(deliver.exchange), routingKey: WireDecoding.string(deliver.routing_key))
        case AMQP_BASIC_GET_OK_METHOD:
            // The reply to basic.get is only complete with its content; see finish(_:on:).
            let got = decoded(method, as: amqp_basic_get_ok_t.self)
            channel.content = IncomingContent(
                .got(deliveryTag: got.delivery_tag, redelivered: got.redelivered != 0),
                exchange: WireDecoding.string(got.exchange), routingKey: WireDecoding.string(got.routing_key))
        case AMQP_BASIC_RETURN_METHOD:
            let returned = decoded(method, as: amqp_basic_return_t.self)
            channel.content = IncomingContent(
                .returned(replyCode: Int(returned.reply_code), replyText: WireDecoding.string(returned.reply_text)),
                exchange: WireDecoding.string(returned.exchange), routingKey: WireDecoding.string(returned.routing_key))
        case AMQP_BASIC_ACK_METHOD:
            let ack = decoded(method, as: amqp_basic_ack_t.self)
            channel.confirms.acknowledge(ack.delivery_tag, multiple: ack.multiple != 0)
        case AMQP_BASIC_NACK_METHOD:
            let nack = decoded(method, as: amqp_basic_nack_t.self)
            channel.confirms.reject(nack.delivery_tag, multiple: nack.multiple != 0)
        case AMQP_BASIC_CANCEL_METHOD:
            // Only the broker sends basic.cancel to a client (consumer_cancel_notify).
            let tag = WireDecoding.string(decoded(method, as: amqp_basic_cancel_t.self).consumer_tag)
            channel.consumerTags.remove(tag)
            logger.warning("the broker cancelled a consumer", metadata: ["consumer_tag": "\(tag)", "channel": "\(channel.id)"])
            if channel.isOpen { events.append(.consumerCancelled(channel: channel.id, consumerTag: tag)) }
        case AMQP_CHANNEL_CLOSE_METHOD:
            let close = decoded(method, as: amqp_channel_close_t.self)
            brokerClosed(channel, code: Int(close.reply_code), text: WireDecoding.string(close.reply_text))
        case AMQP_CHANNEL_FLOW_METHOD:
            var ok = amqp_channel_flow_ok_t(active: decoded(method, as: amqp_channel_flow_t.self).active)
            if let handle { _ = amqp_send_method(handle, channel.id, AMQP_CHANNEL_FLOW_OK_METHOD, &ok) }
        case AMQP_CHANNEL_CLOSE_OK_METHOD where channel.phase == .detached:
            forget(channel)
        case let id where channel.expectedReplies.contains(id):
            channel.reply = reply(to: method)
        default:
            logger.debug("ignoring unexpected \(ConnectionHandshake.methodName(method.id)) on channel \(channel.id)")
        }
    }

    /// The broker closed `channel`: answer close-ok, and tell whoever is affected.
    private func brokerClosed(_ channel: ChannelState, code: Int, text: String) {
        if let handle {
            var ok = amqp_channel_close_ok_t()
            _ = amqp_send_method(handle, channel.id, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok)
        }
        let wasOpen = channel.isOpen
        channel.phase = .closedByBroker(code: code, text: text)
        channel.content = nil
        // Unread deliveries of a closed channel cannot be acknowledged; the broker requeues them.
        _ = events.removeAll { event in
            if case .delivery(let delivery) = event { return delivery.channel == channel.id }
            return false
        }
        guard wasOpen else {
            forget(channel)
            return
        }
        // When a method on this channel is waiting, its caller gets the error; logging it here
        // as well would report it twice.
        let reported = channel.closeIsExpected || !channel.expectedReplies.isEmpty
        logger.log(level: reported ? .debug : .warning, "the broker closed a channel",
                   metadata: ["channel": "\(channel.id)", "reply": "\(code) \(text)"])
        if !channel.consumerTags.isEmpty {
            events.append(.channelClosed(channel: channel.id, code: code, text: text,
                                         consumerTags: Array(channel.consumerTags)))
            channel.consumerTags = []
        }
    }

    private func finish(_ content: IncomingContent, on channel: ChannelState) {
        channel.content = nil
        let message = content.delivery(on: channel.id)
        switch content.purpose {
        case .delivery:
            // A channel being closed still receives what the broker sent before it saw the
            // close; nobody could acknowledge those, and the broker requeues them.
            if channel.isOpen { events.append(.delivery(message)) }
        case .got:
            channel.reply = .got(message)
        case .returned(let code, let text):
            let matched = channel.confirms.recordReturn(
                exchange: message.exchange, routingKey: message.routingKey,
                messageId: message.properties.messageId, body: message.body, code: code, text: text)
            if !matched {
                logger.info("the broker returned a message published without confirms", metadata: [
                    "exchange": "\(message.exchange)", "routing_key": "\(message.routingKey)", "reply": "\(code) \(text)",
                ])
            }
        }
    }

    private func reply(to method: amqp_method_t) -> MethodReply {
        switch method.id {
        case AMQP_QUEUE_DECLARE_OK_METHOD:
            let ok = decoded(method, as: amqp_queue_declare_ok_t.self)
            return .queue(AMQPQueueState(name: WireDecoding.string(ok.queue), messageCount: Int(ok.message_count),
                                         consumerCount: Int(ok.consumer_count)))
        case AMQP_QUEUE_DELETE_OK_METHOD:
            return .messageCount(Int(decoded(method, as: amqp_queue_delete_ok_t.self).message_count))
        case AMQP_QUEUE_PURGE_OK_METHOD:
            return .messageCount(Int(decoded(method, as: amqp_queue_purge_ok_t.self).message_count))
        case AMQP_BASIC_CONSUME_OK_METHOD:
            return .consumerTag(WireDecoding.string(decoded(method, as: amqp_basic_consume_ok_t.self).consumer_tag))
        case AMQP_BASIC_CANCEL_OK_METHOD:
            return .consumerTag(WireDecoding.string(decoded(method, as: amqp_basic_cancel_ok_t.self).consumer_tag))
        case AMQP_BASIC_GET_EMPTY_METHOD:
            return .getEmpty
        default:
            return .done
        }
    }

    private func decoded<Method>(_ method: amqp_method_t, as type: Method.Type) -> Method {
        method.decoded!.assumingMemoryBound(to: Method.self).pointee
    }
}
