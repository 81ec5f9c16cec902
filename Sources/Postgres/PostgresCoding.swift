import Foundation
import Identifiers

/// A value sent to the server as a parameter, in PostgreSQL's text format.
///
/// It refines Sendable so that statements can be built on one thread and run on the connection's
/// thread (`PostgresStatement` carries parameters across).
public protocol PostgresEncodable: Sendable {
    /// The value as PostgreSQL's text input function reads it.
    var postgresText: String { get }
    /// The type OID to declare for the parameter; 0 lets the server infer it from context.
    static var postgresType: UInt32 { get }
}

/// A value read from a result column in PostgreSQL's text format.
public protocol PostgresDecodable {
    init(postgresText: String) throws
}

/// A value that cannot be read as the Swift type asked for.
public struct PostgresDecodingError: Error, CustomStringConvertible, Sendable {
    public let type: String
    /// The text received (shortened when long).
    public let text: String?
    public let reason: String
    public internal(set) var column: String?
    public internal(set) var columnIndex: Int?

    public init(_ type: Any.Type, text: String?, reason: String) {
        self.type = String(describing: type)
        self.text = text.map { $0.count > 80 ? String($0.prefix(80)) + "…" : $0 }
        self.reason = reason
    }

    public var description: String {
        var place = ""
        if let column { place += " column '\(column)'" }
        if let columnIndex { place += " (index \(columnIndex))" }
        let shown = text.map { " '\($0)'" } ?? ""
        return "cannot decode\(place)\(shown) as \(type): \(reason)"
    }
}

/// Marks Optional, so that a NULL decodes to nil instead of failing; internal so the public
/// protocol stays the one-requirement `PostgresDecodable`.
protocol PostgresNullDecodable {
    static var postgresNull: Self { get }
}

extension Optional: PostgresNullDecodable where Wrapped: PostgresDecodable {
    static var postgresNull: Self { nil }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresText: String) throws {
        self = .some(try Wrapped(postgresText: postgresText))
    }
}

/// Decodes a possibly NULL value: nil text means SQL NULL.
func decodeValue<T: PostgresDecodable>(_ type: T.Type, from text: String?) throws -> T {
    guard let text else {
        if let optional = T.self as? any PostgresNullDecodable.Type {
            return optional.postgresNull as! T
        }
        throw PostgresDecodingError(T.self, text: nil, reason: "the value is NULL; decode \(T.self)? to accept NULL")
    }
    return try T(postgresText: text)
}

// MARK: - Scalars

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { self }
    /// Unknown, like a quoted literal, so a String can feed a uuid, jsonb, enum or date column.
    public static var postgresType: UInt32 { 0 }
    public init(postgresText: String) { self = postgresText }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { String(self) }
    public static var postgresType: UInt32 { PostgresOID.int8 }
    public init(postgresText: String) throws { self = try parseInteger(postgresText) }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { String(self) }
    public static var postgresType: UInt32 { PostgresOID.int8 }
    public init(postgresText: String) throws { self = try parseInteger(postgresText) }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { String(self) }
    public static var postgresType: UInt32 { PostgresOID.int4 }
    public init(postgresText: String) throws { self = try parseInteger(postgresText) }
}

private func parseInteger<T: FixedWidthInteger>(_ text: String) throws -> T {
    guard let value = T(text) else {
        throw PostgresDecodingError(T.self, text: text, reason: "not an integer in \(T.min)…\(T.max)")
    }
    return value
}

extension Double: PostgresEncodable, PostgresDecodable {
    /// Swift's shortest round-trip form; PostgreSQL reads "nan" and "inf" too.
    public var postgresText: String { description }
    public static var postgresType: UInt32 { PostgresOID.float8 }
    public init(postgresText: String) throws {
        guard let value = Double(postgresText) else {
            throw PostgresDecodingError(Double.self, text: postgresText, reason: "not a floating-point number")
        }
        self = value
    }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { self ? "true" : "false" }
    public static var postgresType: UInt32 { PostgresOID.bool }
    public init(postgresText: String) throws {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw PostgresDecodingError(Bool.self, text: postgresText, reason: "not t or f")
        }
    }
}

extension UUID: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { lowercasedString }
    public static var postgresType: UInt32 { PostgresOID.uuid }
    public init(postgresText: String) throws {
        guard let value = UUID(text: postgresText) else {
            throw PostgresDecodingError(UUID.self, text: postgresText, reason: "not a UUID")
        }
        self = value
    }
}

extension Data: PostgresEncodable, PostgresDecodable {
    /// bytea in hex form: `\x0001ff…`.
    public var postgresText: String { "\\x" + lowercaseHex }

    public static var postgresType: UInt32 { PostgresOID.bytea }

    /// Reads the hex form, which the connection selects with bytea_output = hex.
    public init(postgresText: String) throws {
        let bytes = Array(postgresText.utf8)
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x"), bytes.count % 2 == 0 else {
            throw PostgresDecodingError(Data.self, text: postgresText, reason: "bytea not in hex form (\\x…)")
        }
        var data = Data(capacity: (bytes.count - 2) / 2)
        var index = 2
        while index < bytes.count {
            guard let high = hexValue(bytes[index]), let low = hexValue(bytes[index + 1]) else {
                throw PostgresDecodingError(Data.self, text: postgresText, reason: "invalid hex digit at offset \(index)")
            }
            data.append(high << 4 | low)
            index += 2
        }
        self = data
    }
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}

/// The type OIDs this module declares (from pg_type.dat; they never change).
public enum PostgresOID {
    public static let unknown: UInt32 = 0
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let int8: UInt32 = 20
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let float8: UInt32 = 701
    public static let timestamptz: UInt32 = 1184
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802
    public static let boolArray: UInt32 = 1000
    public static let byteaArray: UInt32 = 1001
    public static let int4Array: UInt32 = 1007
    public static let textArray: UInt32 = 1009
    public static let int8Array: UInt32 = 1016
    public static let float8Array: UInt32 = 1022
    public static let timestamptzArray: UInt32 = 1185
    public static let uuidArray: UInt32 = 2951
    public static let jsonbArray: UInt32 = 3807
}
