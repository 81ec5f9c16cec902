import Foundation
import Metrics
import Settings

/// What a consumer process records of its command worker's batches, for Prometheus: messages by
/// type and what became of them, batch sizes and durations, and how long messages waited in the
/// queue. The counters are added up over a batch and recorded once for it; only the queue wait
/// is recorded for each message.
struct ConsumerMetrics: Sendable {
    enum Names {
        static let handled = "airfleet_messages_handled_total"
        static let duplicates = "airfleet_messages_duplicate_total"
        static let failed = "airfleet_messages_failed_total"
        static let retried = "airfleet_messages_retried_total"
        static let deadLettered = "airfleet_messages_dead_lettered_total"
        static let batchSize = "airfleet_batch_messages"
        static let batchDuration = "airfleet_batch_duration_seconds"
        static let queueWait = "airfleet_message_queue_wait_seconds"
    }

    private let context: String
    private let batchSize: Recorder
    private let batchDuration: Metrics.Timer
    private let queueWait: Metrics.Timer

    init(context: String) {
        _ = ProcessMetrics.registry // bootstrapped before the first metric is made
        self.context = context
        let dimensions = [("context", context)]
        batchSize = Recorder(label: Names.batchSize, dimensions: dimensions, aggregate: true)
        batchDuration = Metrics.Timer(label: Names.batchDuration, dimensions: dimensions)
        queueWait = Metrics.Timer(label: Names.queueWait, dimensions: dimensions)
    }

    /// A batch handled and committed, from its first delivery's arrival to its commit.
    func recordBatch(_ messages: [InboundMessage], took duration: Duration, now: Date = Date()) {
        batchSize.record(messages.count)
        batchDuration.recordNanoseconds(duration.nanoseconds)
        // Only a time-ordered id tells when its message was made; others are not counted.
        let nowMilliseconds = Int64(now.timeIntervalSince1970 * 1000)
        for message in messages {
            guard let made = Self.milliseconds(ofTimeOrdered: message.id), made <= nowMilliseconds else { continue }
            queueWait.recordMilliseconds(nowMilliseconds - made)
        }
    }

    /// What became of each message of a settled batch, by message type.
    func recordOutcomes(_ messages: [InboundMessage], _ outcomes: [BatchOutcome], destinations: [FailureRouter.Destination?]) {
        var counts: [String: [String: Int]] = [:]
        for (index, (message, outcome)) in zip(messages, outcomes).enumerated() {
            let type = message.typeName
            switch outcome {
            case .handled: counts[Names.handled, default: [:]][type, default: 0] += 1
            case .duplicate: counts[Names.duplicates, default: [:]][type, default: 0] += 1
            case .failed(let failure):
                Counter(label: Names.failed, dimensions: [("context", context), ("type", type), ("kind", failure.kind.rawValue)]).increment()
                switch destinations[index] {
                case .retry: counts[Names.retried, default: [:]][type, default: 0] += 1
                case .deadLetters: counts[Names.deadLettered, default: [:]][type, default: 0] += 1
                case nil: break
                }
            }
        }
        for (name, byType) in counts {
            for (type, count) in byType {
                Counter(label: name, dimensions: [("context", context), ("type", type)]).increment(by: count)
            }
        }
    }

    /// The Unix time in milliseconds a version 7 UUID carries in its first 48 bits, read from its
    /// text (`0192f3a4-5b6c-7…`); nil for any other id.
    static func milliseconds(ofTimeOrdered id: String) -> Int64? {
        let bytes = Array(id.utf8.prefix(15))
        guard bytes.count == 15, bytes[8] == UInt8(ascii: "-"), bytes[13] == UInt8(ascii: "-"), bytes[14] == UInt8(ascii: "7") else { return nil }
        var value: Int64 = 0
        for byte in bytes[0..<8] + bytes[9..<13] {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value << 4 | Int64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = value << 4 | Int64(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = value << 4 | Int64(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
        }
        return value
    }
}

extension InboundMessage {
    /// The message's type as the publisher named it, or "unknown".
    var typeName: String {
        if case .ready(let header, _, _) = content { return header.type }
        return delivery.properties.type ?? "unknown"
    }
}
