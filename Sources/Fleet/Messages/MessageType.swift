/// The name and major version of a message, written `<noun>.<verb>.v<major>` on the wire:
/// the CloudEvents `type`, the AMQP `type` property and the routing key.
public struct MessageType: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The versionless name, for example `booking.confirmed`.
    public let name: String
    /// The major version; a compatible change keeps it, anything else raises it.
    public let version: Int

    public init(_ name: String, version: Int) {
        self.name = name
        self.version = version
    }

    /// Parses `booking.confirmed.v1`; nil when the text does not end in `.v<positive integer>`
    /// or the name is not dot-separated lowercase words.
    public init?(parsing text: String) {
        guard let marker = text.range(of: ".v", options: .backwards) else { return nil }
        let name = String(text[..<marker.lowerBound])
        let digits = text[marker.upperBound...]
        guard let version = Int(digits), version > 0, String(version) == digits,
              MessageType.isValidName(name) else { return nil }
        self.init(name, version: version)
    }

    public var description: String { "\(name).v\(version)" }

    public static func < (lhs: MessageType, rhs: MessageType) -> Bool {
        (lhs.name, lhs.version) < (rhs.name, rhs.version)
    }

    /// Names are at least two dot-separated parts of lowercase letters, digits and hyphens.
    static func isValidName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return false }
        return parts.allSatisfy { part in
            guard let first = part.first, first.isLetter else { return false }
            return part.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = MessageType(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "'\(text)' is not a message type of the form noun.verb.v1"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
