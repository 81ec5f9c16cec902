import AMQP
import Foundation

extension DeadLetter {
    /// The whole dead letter as one JSON object: what is known about its failure, its AMQP
    /// properties and headers, and its body (as JSON when it is JSON, else base64 in `bodyBase64`).
    /// What `dlq show` prints and `dlq export` writes, one per line.
    public func jsonObject() -> [String: Any] {
        var object: [String: Any] = [
            "context": context, "queue": Topology.deadLetterQueue(of: context), "id": id, "type": type,
            "error": error, "kind": kind, "origin": origin, "replays": replays,
            "failures": failures.map(Self.json),
        ]
        object["attempts"] = attempts
        object["consumer"] = consumer
        object["failedAt"] = failedAt.map(FleetJSON.formatTimestamp)
        object["lastReplayedAt"] = lastReplayedAt.map(FleetJSON.formatTimestamp)
        object["properties"] = Self.json(delivery.properties)
        if let body = try? JSONSerialization.jsonObject(with: delivery.body, options: [.fragmentsAllowed]) {
            object["body"] = body
        } else {
            object["bodyBase64"] = delivery.body.base64EncodedString()
        }
        return object
    }

    /// `jsonObject()` on one line, keys sorted.
    public func jsonLine() throws -> Data {
        try JSONSerialization.data(withJSONObject: jsonObject(), options: [.sortedKeys, .withoutEscapingSlashes])
    }

    private static func json(_ failure: Failure) -> [String: Any] {
        var object: [String: Any] = ["kind": failure.kind, "error": failure.error]
        object["attempt"] = failure.attempt
        object["consumer"] = failure.consumer
        object["at"] = failure.at
        return object
    }

    private static func json(_ properties: AMQPProperties) -> [String: Any] {
        var object: [String: Any] = ["persistent": properties.persistent, "headers": json(properties.headers)]
        object["contentType"] = properties.contentType
        object["contentEncoding"] = properties.contentEncoding
        object["messageId"] = properties.messageId
        object["type"] = properties.type
        object["correlationId"] = properties.correlationId
        object["replyTo"] = properties.replyTo
        object["expiration"] = properties.expiration
        object["timestamp"] = properties.timestamp.map(FleetJSON.formatTimestamp)
        object["appId"] = properties.appId
        object["userId"] = properties.userId
        object["priority"] = properties.priority.map { Int($0) }
        return object
    }

    static func json(_ table: AMQPTable) -> [String: Any] {
        table.mapValues(json)
    }

    static func json(_ value: AMQPFieldValue) -> Any {
        switch value {
        case .bool(let value): value
        case .int(let value): value
        case .double(let value): value
        case .string(let value): value
        case .bytes(let value): String(validating: value, as: UTF8.self) ?? Data(value).base64EncodedString()
        case .timestamp(let value): FleetJSON.formatTimestamp(value)
        case .table(let value): json(value)
        case .array(let value): value.map(json)
        case .void: NSNull()
        }
    }
}
