import AMQP
import Foundation

/// Header names the runtime writes on retried and dead-lettered messages.
public enum FailureHeaders {
    /// The attempt the next delivery will be (1 is the first).
    public static let attempt = "x-airfleet-attempt"
    /// Every failure so far: an array of tables with attempt, kind, error, consumer and time.
    public static let failures = "x-airfleet-failures"
    public static let error = "x-airfleet-error"
    public static let errorKind = "x-airfleet-error-kind"
    public static let attempts = "x-airfleet-attempts"
    public static let consumer = "x-airfleet-consumer"
    public static let failedAt = "x-airfleet-failed-at"
    /// The queue the message failed in: where a replay sends it back.
    public static let queue = "x-airfleet-queue"
    public static let originalExchange = "x-airfleet-original-exchange"
    public static let originalRoutingKey = "x-airfleet-original-routing-key"

    /// The longest error text kept in a header; servers' replies can be long.
    static let maximumErrorLength = 2000
    /// Failure history entries kept; the oldest go first.
    static let maximumHistory = 25
}

/// Decides where a failed delivery goes next, and writes why on it.
struct FailureRouter {
    let context: String
    let ladder: RetryLadder
    let consumer: String

    enum Destination: Equatable {
        case retry(delay: Duration)
        case deadLetters
    }

    func route(_ delivery: AMQPDelivery, attempt: Int, failure: MessageFailure, now: Date) -> (AMQPOutgoingMessage, Destination) {
        let error = String(failure.reason.prefix(FailureHeaders.maximumErrorLength))
        var properties = delivery.properties
        var headers = properties.headers
        headers["x-delivery-count"] = nil
        if headers[FailureHeaders.originalExchange] == nil {
            headers[FailureHeaders.originalExchange] = .string(delivery.exchange)
            headers[FailureHeaders.originalRoutingKey] = .string(delivery.routingKey)
        }
        var history = headers[FailureHeaders.failures]?.arrayValue ?? []
        history.append(.table([
            "attempt": .int(Int64(attempt)),
            "kind": .string(failure.kind.rawValue),
            "error": .string(error),
            "consumer": .string(consumer),
            "at": .string(FleetJSON.formatTimestamp(now)),
        ]))
        headers[FailureHeaders.failures] = .array(Array(history.suffix(FailureHeaders.maximumHistory)))

        if failure.kind == .transient, let wait = failure.wait, let delay = ladder.delay(closestBelow: wait) {
            // A wait the handler asked for is not a failed attempt: the attempt stays as it was.
            headers[FailureHeaders.attempt] = .int(Int64(attempt))
            properties.headers = headers
            let message = AMQPOutgoingMessage(
                exchange: "", routingKey: Topology.retryQueue(of: context, delay: delay),
                body: delivery.body, properties: properties, mandatory: true)
            return (message, .retry(delay: delay))
        }

        if failure.kind == .transient, let rung = ladder.rung(after: attempt) {
            let delay = ladder.delays[rung]
            headers[FailureHeaders.attempt] = .int(Int64(attempt + 1))
            properties.headers = headers
            let message = AMQPOutgoingMessage(
                exchange: "", routingKey: Topology.retryQueue(of: context, delay: delay),
                body: delivery.body, properties: properties, mandatory: true)
            return (message, .retry(delay: delay))
        }

        let kind: FailureKind = failure.kind == .transient ? .retriesExhausted : failure.kind
        FailureHeaders.recordDeath(in: &headers, context: context, kind: kind, error: error, attempts: attempt,
                                   consumer: consumer, at: now)
        properties.headers = headers
        let message = AMQPOutgoingMessage(
            exchange: Topology.deadLetterExchange, routingKey: context,
            body: delivery.body, properties: properties, mandatory: true)
        return (message, .deadLetters)
    }
}
