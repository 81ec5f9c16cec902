import AMQP
import Foundation

extension FailureHeaders {
    /// Writes why a message is dead, as `airfleet dlq` reads it and a replay clears it: the error,
    /// its kind, the attempts made, who gave up, when, and the queue a replay sends it back to.
    static func recordDeath(in headers: inout AMQPTable, context: String, kind: FailureKind, error: String, attempts: Int,
                            consumer: String, at time: Date) {
        headers[Self.error] = .string(String(error.prefix(maximumErrorLength)))
        headers[errorKind] = .string(kind.rawValue)
        headers[Self.attempts] = .int(Int64(attempts))
        headers[Self.consumer] = .string(consumer)
        headers[failedAt] = .string(FleetJSON.formatTimestamp(time))
        headers[queue] = .string(Topology.queue(of: context))
    }
}

extension OutgoingMessage {
    /// This message as a dead letter of `context`, for work a context gives up on outside any
    /// delivery of its own (an HTTP delivery out of the fleet, say): the same envelope, in the
    /// context's dead-letter queue, so `airfleet dlq` lists it and a replay sends it to the
    /// context's queue like any other.
    public func deadLetter(of context: String, kind: FailureKind, reason: String, attempts: Int, consumer: String,
                           at time: Date) -> AMQPOutgoingMessage {
        var letter = amqpMessage
        var headers = letter.properties.headers
        headers[FailureHeaders.failures] = .array([.table([
            "attempt": .int(Int64(attempts)), "kind": .string(kind.rawValue),
            "error": .string(String(reason.prefix(FailureHeaders.maximumErrorLength))),
            "consumer": .string(consumer), "at": .string(FleetJSON.formatTimestamp(time)),
        ])])
        FailureHeaders.recordDeath(in: &headers, context: context, kind: kind, error: reason, attempts: attempts,
                                   consumer: consumer, at: time)
        letter.properties.headers = headers
        letter.exchange = Topology.deadLetterExchange
        letter.routingKey = context
        letter.mandatory = true
        return letter
    }
}
