import Foundation

/// JSON text sent as jsonb and read from json or jsonb columns.
///
/// jsonb keeps the value, not the text: key order, spacing and duplicate keys do not survive a
/// round trip, and a string containing \u0000 is refused by the server (SQLSTATE 22P05).
public struct PostgresJSON: PostgresEncodable, PostgresDecodable, PostgresArrayElement, Sendable, Hashable {
    public var text: String

    public init(_ text: String) {
        self.text = text
    }

    /// Encodes a value; pass an encoder to choose how dates, keys and the like are written.
    public init<T: Encodable>(encoding value: T, encoder: JSONEncoder = plainEncoder) throws {
        self.text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public func decode<T: Decodable>(_ type: T.Type, decoder: JSONDecoder = plainDecoder) throws -> T {
        try decoder.decode(type, from: Data(text.utf8))
    }

    /// Shared: both are safe to use from several threads at once, and a new one per value cost
    /// about as much as encoding a small one.
    public static let plainEncoder = JSONEncoder()
    public static let plainDecoder = JSONDecoder()

    public var postgresText: String { text }
    public static var postgresType: UInt32 { PostgresOID.jsonb }
    public static var postgresArrayType: UInt32 { PostgresOID.jsonbArray }

    public init(postgresText: String) {
        self.text = postgresText
    }
}
