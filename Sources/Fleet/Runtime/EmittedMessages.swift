import Foundation

/// What a handled message emitted, as its inbox row keeps it: a JSON array of
/// `{"exchange", "replyTo"?, "replyTypes"?, "message"}` with each message's envelope as it went on the wire.
///
/// Kept with the inbox row instead of in outbox rows of its own, so a batch writes one row per
/// message and deletes none. When a process dies after the commit and before the broker
/// confirmed, the message comes back redelivered, meets its inbox row, and what it emitted is
/// published again from here before it is acknowledged.
enum EmittedMessages {
    /// The text to store, or nil when the handler emitted nothing. The envelopes are spliced in
    /// as they are: no JSON is parsed or re-encoded on the way to the database.
    static func encode(_ messages: [OutgoingMessage]) -> String? {
        guard !messages.isEmpty else { return nil }
        var text = "["
        for (index, message) in messages.enumerated() {
            if index > 0 { text += "," }
            text += #"{"exchange":"# + jsonString(message.exchange)
            if let replyTo = message.replyTo { text += #","replyTo":"# + jsonString(replyTo) }
            if let types = message.replyTypes { text += #","replyTypes":["# + types.map(jsonString).joined(separator: ",") + "]" }
            text += #","message":"# + String(decoding: message.body, as: UTF8.self) + "}"
        }
        return text + "]"
    }

    /// The messages `encode` stored, ready to publish again.
    static func decode(_ text: String, decoder: JSONDecoder) throws -> [OutgoingMessage] {
        guard let items = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else {
            throw FleetError("an inbox row's emitted messages are not a JSON array of objects")
        }
        return try items.map { item in
            guard let exchange = item["exchange"] as? String, let message = item["message"] as? [String: Any] else {
                throw FleetError("an inbox row's emitted message lacks its exchange or its envelope")
            }
            let body = try JSONSerialization.data(withJSONObject: message, options: [.withoutEscapingSlashes])
            let header = try decoder.decode(EnvelopeHeader.self, from: body)
            guard let type = header.messageType else {
                throw FleetError("an inbox row's emitted message \(header.id) has type '\(header.type)', not a message type")
            }
            return OutgoingMessage(id: header.id, type: type, exchange: exchange, body: body, correlationId: header.correlationid,
                                   time: header.time ?? Date(), source: header.source, replyTo: item["replyTo"] as? String,
                                   replyTypes: item["replyTypes"] as? [String])
        }
    }

    /// A JSON string literal; names of exchanges and queues rarely need more than the quotes.
    private static func jsonString(_ value: String) -> String {
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            return "\"" + value + "\""
        }
        let data = (try? JSONEncoder().encode(value)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
