import Foundation

/// The one JSON dialect of Airfleet: RFC 3339 times with milliseconds in UTC, keys as declared.
public enum FleetJSON {
    /// For every caller that leaves the options as they are: JSONEncoder and JSONDecoder are safe
    /// to use from several threads at once, and making one per message cost a good part of
    /// encoding a small message. Callers that change an option make their own.
    public static let standardEncoder = encoder()
    public static let standardDecoder = decoder()

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatTimestamp(date))
        }
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseTimestamp(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "must be an RFC 3339 time such as 2026-11-23T04:00:00Z")
            }
            return date
        }
        return decoder
    }

    /// `2026-11-23T04:00:00.123Z`.
    public static func formatTimestamp(_ date: Date) -> String { RFC3339.format(date) }

    /// Accepts RFC 3339 with or without fractional seconds, in any offset.
    public static func parseTimestamp(_ text: String) -> Date? { RFC3339.parse(text) }
}
