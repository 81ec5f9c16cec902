import Fleet
import Foundation

/// Which events a webhook endpoint receives, as its owner writes it: an event type
/// (`booking.confirmed.v1`), a type at every version (`booking.confirmed`), or words with `*`
/// standing for one word, or for all the rest when it is last (`booking.*`, `*.cancelled`, `*`).
///
/// The same pattern is a binding key on the events exchange (so the broker brings the webhooks
/// context only what some endpoint wants) and a test on each event's type (so each endpoint gets
/// only its own).
public struct EventPattern: Hashable, Sendable, CustomStringConvertible {
    public let text: String
    private let words: [Substring]

    public init(_ text: String, field: String = "events") throws {
        let words = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !text.isEmpty, text.utf8.count <= 200, words.allSatisfy(Self.isWord) else {
            throw ValidationError(field: field, "'\(text)' is not an event type or pattern: dot-separated words of lowercase letters, digits and hyphens, or *, such as booking.confirmed.v1, booking.* or *")
        }
        self.text = text
        self.words = words
    }

    private static func isWord(_ word: Substring) -> Bool {
        if word == "*" { return true }
        guard let first = word.utf8.first, first != UInt8(ascii: "-") else { return false }
        return word.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
    }

    public var description: String { text }

    /// Whether the pattern names a version (`….v1`) rather than every version.
    private var namesVersion: Bool {
        guard let last = words.last, last.first == "v", last.count > 1 else { return false }
        return last.dropFirst().allSatisfy(\.isNumber) && words.count > 2
    }

    /// The AMQP topic binding key that brings every event the pattern matches (routing keys are
    /// event types, `<noun>.<verb>.v<major>`).
    public var bindingKey: String {
        if words.last == "*" { return (words.dropLast() + ["#"]).joined(separator: ".") }
        return namesVersion ? text : text + ".*"
    }

    /// Whether an event of `type` matches.
    public func matches(_ type: MessageType) -> Bool {
        Self.topicMatches(bindingKey.split(separator: ".")[...], type.description.split(separator: ".")[...])
    }

    /// AMQP topic matching: `*` is one word, `#` any number (here only ever last).
    private static func topicMatches(_ key: ArraySlice<Substring>, _ words: ArraySlice<Substring>) -> Bool {
        guard let head = key.first else { return words.isEmpty }
        if head == "#" { return true }
        guard let word = words.first, head == "*" || head == word else { return false }
        return topicMatches(key.dropFirst(), words.dropFirst())
    }
}

/// What an endpoint may be registered with; checked by whoever publishes `webhook.register.v1`
/// and again by the context.
public enum WebhookRules {
    public static let maximumURLLength = 2048
    public static let maximumPatterns = 50

    /// An absolute http or https URL with a host, without user or password. Whether its address
    /// is one deliveries may reach is known only when it is resolved, at each delivery.
    public static func checkURL(_ text: String, field: String = "url") throws {
        // Characters as JSON Schema counts them (code points), so the schema and this rule agree.
        guard text.unicodeScalars.count <= maximumURLLength else {
            throw ValidationError(field: field, "must be at most \(maximumURLLength) characters")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https"
        else { throw ValidationError(field: field, "must be an absolute http or https URL, such as https://example.com/airfleet") }
        guard let host = components.host, !host.isEmpty else { throw ValidationError(field: field, "must name a host") }
        guard components.user == nil, components.password == nil else {
            throw ValidationError(field: field, "must not carry a user or password; deliveries are signed instead")
        }
        guard components.fragment == nil else { throw ValidationError(field: field, "must not have a #fragment") }
    }

    /// The patterns of `events`, each checked, none twice.
    public static func patterns(_ events: [String], field: String = "events") throws -> [EventPattern] {
        guard !events.isEmpty else { throw ValidationError(field: field, "must name at least one event type or pattern") }
        guard events.count <= maximumPatterns else { throw ValidationError(field: field, "must name at most \(maximumPatterns) patterns") }
        guard Set(events).count == events.count else { throw ValidationError(field: field, "must not name a pattern twice") }
        return try events.enumerated().map { try EventPattern($0.element, field: "\(field)[\($0.offset)]") }
    }
}

extension RegisterWebhook {
    public func validate() throws {
        try WebhookRules.checkURL(url)
        _ = try WebhookRules.patterns(events)
        if let description, description.unicodeScalars.count > 200 {
            throw ValidationError(field: "description", "must be at most 200 characters")
        }
    }
}
