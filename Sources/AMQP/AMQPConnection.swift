import CRabbitMQ
import Foundation
import Logging

/// One AMQP 0-9-1 connection to RabbitMQ, over rabbitmq-c.
///
/// Threading: rabbitmq-c is blocking and not thread-safe, so a connection and all its channels
/// must be used from one thread at a time (the runtime gives each connection a dedicated
/// Thread). Every method blocks that thread; none is async. The class is deliberately not
/// Sendable.
///
/// One reader serves every channel: whichever operation reads from the socket (a declare on
/// channel 2, a confirm wait on channel 3, `nextDelivery`) handles every frame it meets.
/// Deliveries for consumers are buffered and returned by `nextDelivery` in arrival order;
/// publisher confirms and returns are recorded for their channel's confirm wait.
public final class AMQPConnection {
    public let configuration: AMQPConfiguration
    let logger: Logger
    /// nil once the connection is closed or lost; `lostReason` then says why.
    var handle: amqp_connection_state_t?
    var lostReason: AMQPError?
    var channels: [UInt16: ChannelState] = [:]
    var events = FIFO<ConnectionEvent>()
    private let channelMax: UInt16

    /// True while the broker has blocked this connection's publishes (connection.blocked,
    /// e.g. a memory or disk alarm). The broker then stops reading, so publishing blocks once
    /// the socket's send buffer is full; only updated when the connection reads frames.
    public internal(set) var isBlocked = false

    /// Connects to the first node of `configuration` that answers, starting with the one this
    /// process reached last (`NodeFailover`); `configuration` then names that node alone.
    public init(_ configuration: AMQPConfiguration, logger: Logger) throws {
        var logger = logger
        logger[metadataKey: "amqp.connection"] = "\(configuration.connectionName ?? configuration.redactedURL)"
        var failures: [AMQPError] = []
        var opened: (amqp_connection_state_t, AMQPConfiguration)?
        for node in NodeFailover.order(configuration.nodes) {
            let single = configuration.connectingTo(node)
            let operation = "connect to \(single.redactedURL)"
            guard let handle = amqp_new_connection() else {
                throw AMQPError(.connectionFailed, operation: operation, reason: "amqp_new_connection failed (out of memory)")
            }
            do {
                try ConnectionHandshake.open(handle, single, operation: operation)
                opened = (handle, single)
                break
            } catch let error as AMQPError where !configuration.otherNodes.isEmpty && Self.anotherNodeMayAnswer(error) {
                amqp_destroy_connection(handle)
                logger.warning("broker node did not answer; trying the next", metadata: ["amqp.node": "\(node)", "error": "\(error.reason)"])
                failures.append(error)
            } catch {
                amqp_destroy_connection(handle)
                throw error
            }
        }
        guard let (handle, single) = opened else {
            let reasons = failures.map(\.reason).joined(separator: "; ")
            throw AMQPError(.connectionFailed, operation: "connect to a node of \(configuration.nodes.map(\.description).joined(separator: ", "))",
                            reason: "none of the \(failures.count) nodes answered: \(reasons)")
        }
        NodeFailover.answered(single.nodes[0], of: configuration.nodes)
        self.configuration = single
        logger[metadataKey: "amqp.connection"] = "\(single.connectionName ?? single.redactedURL)"
        self.logger = logger
        self.handle = handle
        let negotiated = amqp_get_channel_max(handle)
        channelMax = negotiated <= 0 ? UInt16.max : UInt16(clamping: negotiated)
        logger.debug("AMQP connection open", metadata: [
            "heartbeat": "\(amqp_get_heartbeat(handle))", "frame_max": "\(amqp_get_frame_max(handle))",
            "channel_max": "\(channelMax)",
        ])
    }

    deinit {
        close()
    }

    /// Whether a failure to connect is about this node: the nodes of one cluster refuse the same
    /// credentials and lack the same virtual hosts (403, 530) alike.
    private static func anotherNodeMayAnswer(_ error: AMQPError) -> Bool {
        error.kind != .configuration && error.replyCode != 403 && error.replyCode != 530
    }

    public var isOpen: Bool { handle != nil }

    /// Seconds between heartbeats agreed with the broker (0 = none); schedule
    /// `serviceHeartbeats` from it.
    public var negotiatedHeartbeat: Int { handle.map { Int(amqp_get_heartbeat($0)) } ?? 0 }

    /// Deliveries already read from the socket and waiting for `nextDelivery`.
    public var bufferedDeliveryCount: Int {
        events.elements.reduce(0) { count, event in
            if case .delivery = event { return count + 1 }
            return count
        }
    }

    /// Opens a channel on the lowest free channel number. Keep the returned object for as long
    /// as you use the channel: dropping it closes the channel (and cancels its consumers).
    public func openChannel() throws -> AMQPChannel {
        let operation = "open a channel"
        _ = try requireOpen(operation)
        guard let id = (1...channelMax).first(where: { channels[$0] == nil }) else {
            throw AMQPError(.invalidState, operation: operation,
                            reason: "all \(channelMax) channels of this connection are in use")
        }
        let state = ChannelState(id: id)
        channels[id] = state
        do {
            try openOnBroker(state, operation: "open channel \(id)")
        } catch {
            if channels[id] === state { channels[id] = nil }
            throw error
        }
        return AMQPChannel(connection: self, state: state)
    }

    /// The next delivery for any consumer on this connection, in arrival order; nil when
    /// `timeout` seconds pass first (nil waits forever, 0 takes only what is already buffered
    /// or readable without waiting).
    ///
    /// Throws `.channelClosed` when the broker cancelled a consumer (its queue was deleted) or
    /// closed a channel that had consumers; the error names the consumer tags. Throws with
    /// `isConnectionLost` when the connection died (connection.close, socket, heartbeats).
    public func nextDelivery(timeout: Double?) throws -> AMQPDelivery? {
        let operation = "wait for a delivery"
        let deadline = Deadline.after(timeout)
        while true {
            if let event = events.popFirst() {
                switch event {
                case .delivery(let delivery):
                    return delivery
                case .consumerCancelled(let channel, let tag):
                    throw AMQPError(.channelClosed, operation: "consume with consumer tag '\(tag)' on channel \(channel)",
                                    reason: "the broker cancelled the consumer (basic.cancel: its queue was deleted or is no longer available)")
                case .channelClosed(let channel, let code, let text, let tags):
                    let names = tags.sorted().map { "'\($0)'" }.joined(separator: ", ")
                    throw AMQPError.brokerClosedChannel("consume with consumer tag \(names) on channel \(channel)",
                                                        channel: channel, code: code, text: text)
                }
            }
            guard try readFrame(until: deadline, operation: operation) else { return nil }
        }
    }

    /// Sends due heartbeats and handles whatever frames are readable, without waiting. Call it
    /// at least every heartbeat/2 seconds on a connection that only publishes or sits idle:
    /// rabbitmq-c only services heartbeats while it reads or publishes, and the broker drops a
    /// connection it has not heard from for two heartbeat intervals.
    public func serviceHeartbeats() throws {
        try readAvailableFrames(operation: "service heartbeats")
    }

    /// Sends one heartbeat frame without reading anything. For a consumer connection that must
    /// stay quiet for a while (a paced replay): `serviceHeartbeats` would also read, and so buffer,
    /// whatever deliveries the broker pushed meanwhile.
    public func sendHeartbeat() throws {
        let operation = "send a heartbeat"
        let handle = try requireOpen(operation)
        var frame = amqp_frame_t()
        frame.frame_type = UInt8(AMQP_FRAME_HEARTBEAT)
        frame.channel = 0
        let status = amqp_send_frame(handle, &frame)
        guard status == AMQP_STATUS_OK.rawValue else { throw sendFailed(status, operation) }
    }

    /// Closes gracefully (connection.close, waiting a few seconds for close-ok), then frees
    /// everything. Safe to call twice, and called by deinit.
    public func close() {
        guard let handle else { return }
        var shortTimeout = timeval(seconds: min(configuration.rpcTimeout, 5))
        amqp_set_rpc_timeout(handle, &shortTimeout)
        let reply = amqp_connection_close(handle, AMQP_REPLY_SUCCESS)
        if reply.reply_type != AMQP_RESPONSE_NORMAL {
            logger.debug("connection.close was not answered cleanly; closing the socket anyway")
        }
        discard(handle, because: AMQPError(.invalidState, operation: "close the connection",
                                           reason: "the connection was closed by close()", connectionLost: true))
        logger.debug("AMQP connection closed")
    }

    // MARK: - Shared with AMQPChannel

    func requireOpen(_ operation: String) throws -> amqp_connection_state_t {
        if let handle { return handle }
        throw (lostReason ?? AMQPError(.connectionClosed, operation: operation, reason: "the connection is closed"))
            .reported(for: operation)
    }

    /// The connection handle, if both the connection and `channel` are usable.
    func requireUsable(_ channel: ChannelState, _ operation: String) throws -> amqp_connection_state_t {
        let handle = try requireOpen(operation)
        switch channel.phase {
        case .open:
            return handle
        case .closedByBroker(let code, let text):
            throw AMQPError(.channelClosed, operation: operation,
                            reason: "channel \(channel.id) was closed by the broker earlier with \(code) \(text)",
                            replyCode: code, replyText: text)
        case .closedByClient, .detached:
            throw AMQPError(.invalidState, operation: operation, reason: "channel \(channel.id) was closed by close()")
        case .connectionGone:
            throw AMQPError(.connectionClosed, operation: operation, reason: "the connection of channel \(channel.id) is closed")
        }
    }

    /// Handles readable frames without waiting (bounded, so a busy consumer connection cannot
    /// keep the caller here forever).
    func readAvailableFrames(operation: String) throws {
        for _ in 0..<1_024 {
            guard try readFrame(until: .immediate, operation: operation) else { return }
        }
    }

    /// Sends channel.open for `state` (a new channel, or one the broker closed) and waits for
    /// open-ok.
    func openOnBroker(_ state: ChannelState, operation: String) throws {
        state.phase = .open
        state.content = nil
        state.confirms = PublishConfirmTracker()
        state.consumerTags = []
        var method = amqp_channel_open_t(out_of_band: amqp_bytes_t(len: 0, bytes: nil))
        _ = try call(state, AMQP_CHANNEL_OPEN_METHOD, &method, expecting: [AMQP_CHANNEL_OPEN_OK_METHOD],
                     operation: operation)
    }

    /// Sends channel.close and waits briefly for close-ok; best effort.
    func closeChannel(_ state: ChannelState) {
        if state.isOpen, handle != nil {
            WireArena.with { arena in
                var method = amqp_channel_close_t(reply_code: UInt16(AMQP_REPLY_SUCCESS),
                                                  reply_text: arena.bytes("OK"), class_id: 0, method_id: 0)
                _ = try? call(state, AMQP_CHANNEL_CLOSE_METHOD, &method, expecting: [AMQP_CHANNEL_CLOSE_OK_METHOD],
                              operation: "close channel \(state.id)", timeout: min(configuration.rpcTimeout, 5))
            }
        }
        if state.phase != .connectionGone { state.phase = .closedByClient }
        forget(state)
    }

    /// For an `AMQPChannel` that went away without close(): sends channel.close without
    /// waiting (a deinit must not block on the network); the dispatcher frees the channel
    /// number when close-ok arrives.
    func detachChannel(_ state: ChannelState) {
        guard state.isOpen, let handle else {
            forget(state)
            return
        }
        let status = WireArena.with { arena in
            var method = amqp_channel_close_t(reply_code: UInt16(AMQP_REPLY_SUCCESS),
                                              reply_text: arena.bytes("OK"), class_id: 0, method_id: 0)
            return amqp_send_method(handle, state.id, AMQP_CHANNEL_CLOSE_METHOD, &method)
        }
        guard status == AMQP_STATUS_OK.rawValue else {
            forget(state)
            return
        }
        state.phase = .detached
        _ = events.removeAll { $0.channel == state.id }
    }

    /// Removes deliveries of `consumerTag` not yet returned by nextDelivery.
    func takeDeliveries(channel: UInt16, consumerTag: String) -> [AMQPDelivery] {
        events.removeAll { event in
            switch event {
            case .delivery(let delivery): return delivery.channel == channel && delivery.consumerTag == consumerTag
            case .consumerCancelled(let id, let tag): return id == channel && tag == consumerTag
            case .channelClosed: return false
            }
        }.compactMap { event in
            if case .delivery(let delivery) = event { return delivery }
            return nil
        }
    }

    /// Frees `state`'s channel number and drops its unread deliveries (the broker requeues them).
    func forget(_ state: ChannelState) {
        if channels[state.id] === state { channels[state.id] = nil }
        _ = events.removeAll { $0.channel == state.id }
    }

    /// Marks the connection unusable and frees rabbitmq-c's state. Buffered deliveries are
    /// dropped: they cannot be acknowledged any more and the broker will redeliver them.
    func discard(_ handle: amqp_connection_state_t, because reason: AMQPError) {
        amqp_destroy_connection(handle)
        self.handle = nil
        lostReason = reason
        for state in channels.values { state.phase = .connectionGone }
        channels.removeAll()
        events = FIFO()
    }

    /// Records that the connection died and returns the error to throw.
    func connectionLost(_ error: AMQPError) -> AMQPError {
        if let handle {
            logger.warning("AMQP connection lost", metadata: ["error": "\(error)"])
            discard(handle, because: error)
        }
        return error
    }
}

@available(*, unavailable, message: "an AMQPConnection must stay on one thread; rabbitmq-c is not thread-safe")
extension AMQPConnection: Sendable {}
