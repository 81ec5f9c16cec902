import AMQP
import Fleet
import Foundation
import Logging

/// Dead letters made the way the runtime makes them, published straight into a context's
/// dead-letter queue: for tests and benchmarks of the dead-letter tools, without waiting for
/// real failures.
public enum DeadLetterSeed {
    /// `message` as it reads once the runtime dead-lettered it from `context`'s queue.
    public static func deadLetter(_ message: OutgoingMessage, context: String, kind: FailureKind = .rejected,
                                  error: String = "refused on purpose", attempts: Int = 1,
                                  failedAt: Date = Date()) -> AMQPOutgoingMessage {
        var amqp = message.amqpMessage
        let consumer = "\(context)@seed:1"
        let at = FleetJSON.formatTimestamp(failedAt)
        let history: [AMQPFieldValue] = (1...max(1, attempts)).map { attempt in
            .table(["attempt": .int(Int64(attempt)), "kind": .string(attempt < attempts ? FailureKind.transient.rawValue : kind.rawValue),
                    "error": .string(error), "consumer": .string(consumer), "at": .string(at)])
        }
        amqp.properties.headers = [
            FailureHeaders.attempt: .int(Int64(attempts)),
            FailureHeaders.failures: .array(history),
            FailureHeaders.error: .string(error),
            FailureHeaders.errorKind: .string(kind.rawValue),
            FailureHeaders.attempts: .int(Int64(attempts)),
            FailureHeaders.consumer: .string(consumer),
            FailureHeaders.failedAt: .string(at),
            FailureHeaders.queue: .string(Topology.queue(of: context)),
            FailureHeaders.originalExchange: .string(message.exchange),
            FailureHeaders.originalRoutingKey: .string(message.type.description),
        ]
        amqp.exchange = Topology.deadLetterExchange
        amqp.routingKey = context
        amqp.mandatory = true
        return amqp
    }

    /// Publishes with confirms, in batches; throws unless the broker took every one.
    public static func publish(_ messages: [AMQPOutgoingMessage], amqp: AMQPConfiguration, logger: Logger) throws {
        let connection = try AMQPConnection(amqp.withConnectionName("dead-letter seed"), logger: logger)
        defer { connection.close() }
        let channel = try connection.openChannel()
        for start in stride(from: 0, to: messages.count, by: 1000) {
            let outcomes = try channel.publishConfirmed(Array(messages[start..<min(start + 1000, messages.count)]), timeout: 60)
            guard outcomes.allSatisfy({ $0 == .confirmed }) else {
                throw FleetError("seeding dead letters: the broker did not take them all: \(Set(outcomes.map { "\($0)" }))")
            }
        }
    }
}
