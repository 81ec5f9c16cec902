import CRabbitMQ
import Foundation

extension AMQPChannel {
    /// Puts the channel in confirm mode (confirm.select): the broker then acks or nacks every
    /// publish, numbered from 1 on this channel. Calling it again does nothing.
    public func enableConfirms() throws {
        guard !state.confirms.isEnabled else { return }
        var method = amqp_confirm_select_t(nowait: 0)
        _ = try call(AMQP_CONFIRM_SELECT_METHOD, &method, expecting: AMQP_CONFIRM_SELECT_OK_METHOD,
                     operation: "enable publisher confirms on channel \(id)")
        state.confirms.enable()
    }

    /// Publishes without waiting; returns the publish sequence number when confirms are on
    /// (0 otherwise). With confirms on, collect the outcome with `waitForConfirms`, or the
    /// channel keeps it until then.
    @discardableResult
    public func publish(_ message: AMQPOutgoingMessage) throws -> UInt64 {
        try write([message], operation: "publish to exchange '\(message.exchange)' with routing key '\(message.routingKey)'")[0]
    }

    /// Publishes a batch and waits up to `timeout` seconds until the broker confirmed every
    /// message; one outcome per message, in order. A mandatory message no queue took is
    /// `.returned(312, "NO_ROUTE")`. Turns confirms on first if needed.
    ///
    /// Throws `.timeout` when not all confirms arrived in time: those messages may or may not
    /// be stored, so treat the connection as suspect and republish through a new one (consumers
    /// deduplicate on message id). Throws `.channelClosed` when the broker closed the channel
    /// (e.g. 404 for a missing exchange).
    public func publishConfirmed(_ messages: [AMQPOutgoingMessage], timeout: Double = 30) throws -> [AMQPPublishOutcome] {
        guard let first = messages.first else { return [] }
        try enableConfirms()
        let operation = messages.count == 1
            ? "publish to exchange '\(first.exchange)' with routing key '\(first.routingKey)'"
            : "publish \(messages.count) messages to exchange '\(first.exchange)'"
        let deadline = Deadline.after(timeout)
        let sequences = try publish(messages, operation: operation)
        return try waitForConfirms(sequences, until: deadline, timeout: timeout, operation: operation)
    }

    /// Publishes a batch without waiting for its confirms; returns their sequence numbers, for
    /// `waitForConfirms`. Turns confirms on first if needed.
    public func publish(_ messages: [AMQPOutgoingMessage]) throws -> [UInt64] {
        guard !messages.isEmpty else { return [] }
        try enableConfirms()
        return try publish(messages, operation: "publish \(messages.count) messages on channel \(id)")
    }

    /// Publishes up to 256 messages at a time, reading the confirms that came meanwhile after
    /// each, so they never pile up unread in the socket.
    private func publish(_ messages: [AMQPOutgoingMessage], operation: String) throws -> [UInt64] {
        var sequences: [UInt64] = []
        sequences.reserveCapacity(messages.count)
        for start in stride(from: 0, to: messages.count, by: 256) {
            sequences += try write(messages[start..<min(start + 256, messages.count)], operation: operation)
            try connection.readAvailableFrames(operation: operation)
        }
        return sequences
    }

    /// Encodes the messages' frames into one buffer and writes it with one system call, where
    /// `amqp_basic_publish` makes three per message; returns their publish sequence numbers.
    private func write(_ messages: ArraySlice<AMQPOutgoingMessage>, operation: String) throws -> [UInt64] {
        let handle = try connection.requireUsable(state, operation)
        let frames = self.frames ?? PublishFrames(channel: id, frameMax: Int(amqp_get_frame_max(handle)))
        self.frames = frames
        defer { frames.removeAll() }
        try WireArena.with { arena in
            for message in messages {
                var properties = message.properties.encoded(in: arena)
                let failed = message.body.withUnsafeBytes { body in
                    frames.append(exchange: arena.bytes(message.exchange), routingKey: arena.bytes(message.routingKey),
                                  mandatory: message.mandatory, properties: &properties, body: body)
                }
                if let failed { throw AMQPError.library(failed, operation) }
            }
        }
        try connection.write(frames.bytes, operation: operation)
        return messages.map { state.confirms.recordPublish($0) }
    }

    /// Waits up to `timeout` seconds for the outcomes of earlier `publish` calls (by their
    /// sequence numbers), and returns them in the same order.
    public func waitForConfirms(_ sequenceNumbers: [UInt64], timeout: Double = 30) throws -> [AMQPPublishOutcome] {
        try waitForConfirms(sequenceNumbers, until: .after(timeout), timeout: timeout,
                            operation: "wait for \(sequenceNumbers.count) publisher confirms on channel \(id)")
    }

    private func waitForConfirms(_ sequences: [UInt64], until deadline: Deadline, timeout: Double,
                                 operation: String) throws -> [AMQPPublishOutcome] {
        if let unknown = sequences.first(where: { !state.confirms.knows($0) }) {
            throw AMQPError(.invalidState, operation: operation,
                            reason: "publish sequence number \(unknown) is not awaiting a confirm on channel \(id) (confirms off, outcome already taken, or the channel was reopened)")
        }
        while true {
            if let outcomes = state.confirms.takeOutcomes(sequences) { return outcomes }
            _ = try connection.requireUsable(state, operation)
            guard try connection.readFrame(until: deadline, operation: operation) else {
                let settled = sequences.filter { state.confirms.isSettled($0) }.count
                throw AMQPError(.timeout, operation: operation,
                                reason: "only \(settled) of \(sequences.count) publisher confirms arrived within \(timeout) s; the unconfirmed messages may or may not be stored, so treat the connection as suspect",
                                connectionLost: false)
            }
        }
    }

    /// Returns from the broker that matched no message awaiting a confirm on this channel.
    public var unmatchedReturnCount: Int { state.confirms.unmatchedReturns }
}
