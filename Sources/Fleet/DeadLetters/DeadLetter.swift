import AMQP
import Foundation

/// A message in a context's dead-letter queue, read from its headers: why it failed, where it
/// came from, and what happened to it so far.
///
/// Two writers make dead letters. The runtime writes the `x-airfleet-*` headers (`FailureHeaders`);
/// the broker, when a message outlives the queue's delivery limit, adds only `x-death`. Both are
/// read into the same fields here, so filters and replay treat them alike.
public struct DeadLetter: Sendable {
    /// The context whose dead-letter queue holds it.
    public let context: String
    /// The message id (consumers deduplicate on it); the envelope's id when the AMQP property is missing.
    public let id: String
    /// The message type, such as `seats.hold.v1`; `(unknown)` when neither property nor body says.
    public let type: String
    /// The error a person reads.
    public let error: String
    /// A `FailureKind` raw value, or the broker's dead-letter reason.
    public let kind: String
    public let attempts: Int?
    public let consumer: String?
    public let failedAt: Date?
    /// The queue a replay sends it back to.
    public let origin: String
    /// Every failure written on it, oldest first (replays keep the history of earlier lives).
    public let failures: [Failure]
    /// How many times it was replayed before.
    public let replays: Int
    public let lastReplayedAt: Date?
    /// The delivery as the broker handed it over.
    public let delivery: AMQPDelivery

    /// One entry of the `x-airfleet-failures` history.
    public struct Failure: Sendable, Equatable, Codable {
        public var attempt: Int?
        public var kind: String
        public var error: String
        public var consumer: String?
        public var at: String?
    }

    public init(delivery: AMQPDelivery, context: String) {
        self.context = context
        self.delivery = delivery
        let headers = delivery.properties.headers
        let envelope = (delivery.properties.messageId == nil || delivery.properties.type == nil)
            ? try? JSONDecoder().decode(EnvelopeIdentity.self, from: delivery.body) : nil
        id = delivery.properties.messageId ?? envelope?.id ?? "(none)"
        type = delivery.properties.type ?? envelope?.type ?? "(unknown)"
        failures = (headers[FailureHeaders.failures]?.arrayValue ?? []).compactMap(Self.failure)
        replays = Int(headers[DeadLetterHeaders.replays]?.intValue ?? 0)
        lastReplayedAt = headers[DeadLetterHeaders.replayedAt]?.stringValue.flatMap(FleetJSON.parseTimestamp)
        attempts = headers[FailureHeaders.attempts]?.intValue.map { Int($0) }
        consumer = headers[FailureHeaders.consumer]?.stringValue

        let death = BrokerDeath(headers: headers)
        failedAt = headers[FailureHeaders.failedAt]?.stringValue.flatMap(FleetJSON.parseTimestamp) ?? death?.time
        origin = headers[FailureHeaders.queue]?.stringValue ?? death?.queue ?? Topology.queue(of: context)
        if let error = headers[FailureHeaders.error]?.stringValue {
            self.error = error
            kind = headers[FailureHeaders.errorKind]?.stringValue ?? "unknown"
        } else if let death {
            error = death.description
            kind = death.kind
        } else {
            error = "no reason recorded"
            kind = "unknown"
        }
    }

    private static func failure(_ value: AMQPFieldValue) -> Failure? {
        guard let table = value.tableValue else { return nil }
        return Failure(attempt: table["attempt"]?.intValue.map { Int($0) },
                       kind: table["kind"]?.stringValue ?? "unknown",
                       error: table["error"]?.stringValue ?? "",
                       consumer: table["consumer"]?.stringValue,
                       at: table["at"]?.stringValue)
    }
}

/// Headers a replay writes, beside the runtime's `FailureHeaders`.
public enum DeadLetterHeaders {
    /// How many times the message was sent back from the dead letters.
    public static let replays = "x-airfleet-replays"
    /// When it was last sent back (RFC 3339).
    public static let replayedAt = "x-airfleet-replayed-at"
}

/// What the broker wrote when it dead-lettered a message itself (`x-death`, newest first).
struct BrokerDeath: CustomStringConvertible {
    let reason: String
    let queue: String?
    let time: Date?
    let count: Int

    /// The newest death that was not a retry rung's TTL running out: those only send a message
    /// back to its queue, they are not why it is dead.
    init?(headers: AMQPTable) {
        let deaths = (headers["x-death"]?.arrayValue ?? []).compactMap(\.tableValue)
        guard let death = deaths.first(where: { $0["reason"]?.stringValue != "expired" }) ?? deaths.first else {
            guard let reason = headers["x-first-death-reason"]?.stringValue else { return nil }
            self.reason = reason
            queue = headers["x-first-death-queue"]?.stringValue
            time = nil
            count = 1
            return
        }
        reason = death["reason"]?.stringValue ?? "unknown"
        queue = death["queue"]?.stringValue
        time = death["time"]?.dateValue
        count = Int(death["count"]?.intValue ?? 1)
    }

    /// A quorum queue's delivery limit is reached when consumers keep dying on the message.
    var kind: String { reason == "delivery_limit" ? FailureKind.crashedConsumer.rawValue : reason }

    var description: String {
        switch reason {
        case "delivery_limit": "the broker dead-lettered it after its delivery limit in \(queue ?? "its queue"): consumers died or gave it back again and again"
        default: "the broker dead-lettered it (\(reason)) from \(queue ?? "its queue")"
        }
    }
}

/// The two envelope attributes a dead letter needs when its AMQP properties lack them.
private struct EnvelopeIdentity: Decodable {
    let id: String?
    let type: String?
}
