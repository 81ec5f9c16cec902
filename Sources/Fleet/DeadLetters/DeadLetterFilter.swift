import Foundation
import Settings

/// Which dead letters an operation takes. Every condition given must hold; none given takes all.
public struct DeadLetterFilter: Sendable, Equatable {
    /// Message types, exact (`seats.hold.v1`) or with `*` standing for any text (`seats.*`).
    public var types: [String]
    /// Text found in the error or the error kind, ignoring case.
    public var reason: String?
    /// Failed at or after this time.
    public var since: Date?
    /// Failed before this time.
    public var until: Date?
    /// Message ids.
    public var ids: Set<String>

    public init(types: [String] = [], reason: String? = nil, since: Date? = nil, until: Date? = nil, ids: Set<String> = []) {
        self.types = types
        self.reason = reason
        self.since = since
        self.until = until
        self.ids = ids
    }

    public func matches(_ letter: DeadLetter) -> Bool {
        if !ids.isEmpty, !ids.contains(letter.id) { return false }
        if !types.isEmpty, !types.contains(where: { Self.glob($0, matches: letter.type) }) { return false }
        if let reason, !reason.isEmpty,
           letter.error.range(of: reason, options: .caseInsensitive) == nil,
           letter.kind.range(of: reason, options: .caseInsensitive) == nil {
            return false
        }
        if since != nil || until != nil {
            // A dead letter that does not say when it failed cannot be placed in a time window.
            guard let failedAt = letter.failedAt else { return false }
            if let since, failedAt < since { return false }
            if let until, failedAt >= until { return false }
        }
        return true
    }

    /// `*` matches any run of characters (dots included); everything else matches itself.
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return pattern == text }
        guard text.hasPrefix(parts[0]), text.dropFirst(parts[0].count).hasSuffix(parts[parts.count - 1]) else { return false }
        var rest = Substring(text.dropFirst(parts[0].count).dropLast(parts[parts.count - 1].count))
        for middle in parts.dropFirst().dropLast() where !middle.isEmpty {
            guard let found = rest.range(of: middle) else { return false }
            rest = rest[found.upperBound...]
        }
        return true
    }

    /// Reads a `--since`/`--until` value: an RFC 3339 time (`2026-11-23T04:00:00Z`), a date
    /// (`2026-11-23`, midnight UTC), or a span back from `now` (`90m`, `2h`, `3d`).
    public static func parseTime(_ text: String, option: String, now: Date) throws -> Date {
        if let date = FleetJSON.parseTimestamp(text) { return date }
        if let date = try? Date.ISO8601FormatStyle().year().month().day().parse(text) { return date }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value >= 0, value.isFinite {
                return now.addingTimeInterval(-value * scale)
            }
        }
        throw ConfigurationError("\(option): '\(text)' is not a time such as 2026-11-23T04:00:00Z or 2026-11-23, nor a span back from now such as 90m, 2h or 3d")
    }
}
