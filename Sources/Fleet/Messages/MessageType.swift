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
        // The version follows the last dot, found on the bytes: every message's type is parsed,
        // and Foundation's backward search costs more than the rest of it.
        let utf8 = text.utf8
        guard let dot = utf8.lastIndex(of: UInt8(ascii: ".")), utf8[utf8.index(after: dot)...].first == UInt8(ascii: "v")
        else { return nil }
        let name = String(text[..<dot])
        let digits = text[utf8.index(dot, offsetBy: 2)...]
        guard let version = Int(digits), version > 0, String(version) == digits,
              MessageType.isValidName(name) else { return nil }
        self.init(name, version: version)
    }

    public var description: String { "\(name).v\(version)" }

    public static func < (lhs: MessageType, rhs: MessageType) -> Bool {
        (lhs.name, lhs.version) < (rhs.name, rhs.version)
    }

    /// Names are at least two dot-separated parts of lowercase letters, digits and hyphens.
    /// Checked on the UTF-8 bytes: every message passes here, and Character's Unicode
    /// properties cost more than the rest of reading its type.
    static func isValidName(_ name: String) -> Bool {
        var parts = 1, partStart = true
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "."):
                if partStart { return false }
                parts += 1
                partStart = true
            case UInt8(ascii: "a")...UInt8(ascii: "z"):
                partStart = false
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
                if partStart { return false }
            default:
                return false
            }
        }
        return parts >= 2 && !partStart
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
