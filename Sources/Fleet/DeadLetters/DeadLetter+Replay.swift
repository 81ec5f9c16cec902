import AMQP
import Foundation

extension DeadLetter {
    /// Headers that count attempts or deliveries, or summarise the failure that just ended:
    /// a replayed message starts afresh, and fails (if it does) with a new summary.
    static let headersClearedOnReplay: Set<String> = [
        FailureHeaders.attempt, FailureHeaders.error, FailureHeaders.errorKind, FailureHeaders.attempts,
        FailureHeaders.consumer, FailureHeaders.failedAt, FailureHeaders.queue,
        "x-delivery-count", "x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
        "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason",
    ]

    /// The message a replay publishes: the same body, id, type and properties, sent straight to
    /// the queue it failed in (not through an exchange, so other contexts do not get it again).
    ///
    /// Attempt and delivery counters are gone, so the retry ladder starts from its first rung;
    /// the failure history stays, with a broker-made death added to it, and the replay count and
    /// time are written.
    public func replayMessage(at now: Date) -> AMQPOutgoingMessage {
        var properties = delivery.properties
        var headers = properties.headers
        var history = headers[FailureHeaders.failures]?.arrayValue ?? []
        if headers[FailureHeaders.error] == nil, let death = BrokerDeath(headers: headers) {
            // The broker's own record is cleared below; keep what it said in the history.
            var entry: AMQPTable = ["kind": .string(death.kind), "error": .string(death.description),
                                    "consumer": .string("broker")]
            if let time = death.time { entry["at"] = .string(FleetJSON.formatTimestamp(time)) }
            history.append(.table(entry))
        }
        for name in Self.headersClearedOnReplay { headers[name] = nil }
        if !history.isEmpty {
            headers[FailureHeaders.failures] = .array(Array(history.suffix(FailureHeaders.maximumHistory)))
        }
        headers[DeadLetterHeaders.replays] = .int(Int64(replays + 1))
        headers[DeadLetterHeaders.replayedAt] = .string(FleetJSON.formatTimestamp(now))
        properties.headers = headers
        return AMQPOutgoingMessage(exchange: "", routingKey: origin, body: delivery.body, properties: properties, mandatory: true)
    }
}
