import Foundation

/// A value that can be one element of a one-dimensional array parameter, which is how many rows
/// travel in one statement: `insert into t (id, name) select * from unnest($1::uuid[], $2::text[])`.
public protocol PostgresArrayElement: Sendable {
    /// The OID of the array type (text[] is 1009, …).
    static var postgresArrayType: UInt32 { get }
    /// The element's text, or nil for NULL.
    var postgresArrayElement: String? { get }
}

extension PostgresArrayElement where Self: PostgresEncodable {
    public var postgresArrayElement: String? { postgresText }
}

extension String: PostgresArrayElement { public static var postgresArrayType: UInt32 { PostgresOID.textArray } }
extension Int: PostgresArrayElement { public static var postgresArrayType: UInt32 { PostgresOID.int8Array } }
extension Int64: PostgresArrayElement { public static var postgresArrayType: UInt32 { PostgresOID.int8Array } }
extension Int32: PostgresArrayElement { public static var postgresArrayType: UInt32 { PostgresOID.int4Array } }
extension Double: PostgresArrayElement { public static var postgresArrayType: UInt32 { PostgresOID.float8Array } }
extension Bool: PostgresArrayElement { public static var postgresArrayType: UInt32 { PostgresOID.boolArray } }
extension UUID: PostgresArrayElement { public static var postgresArrayType: UInt32 { PostgresOID.uuidArray } }
extension Date: PostgresArrayElement { public static var postgresArrayType: UInt32 { PostgresOID.timestamptzArray } }
extension Data: PostgresArrayElement { public static var postgresArrayType: UInt32 { PostgresOID.byteaArray } }

/// `[String?]` and the like send NULL elements.
extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement {
    public static var postgresArrayType: UInt32 { Wrapped.postgresArrayType }
    public var postgresArrayElement: String? { self?.postgresArrayElement }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    /// An array literal with every element double-quoted, so that commas, braces, blanks, empty
    /// strings and the word NULL stay data; only a nil element is written as bare NULL.
    ///
    /// Escaping works on UTF-8 bytes: a quote or a backslash byte never occurs inside a multi-byte
    /// sequence. Batches of JSON documents are mostly quotes, so this is the hot path: the text
    /// between two bytes to escape is copied whole.
    public var postgresText: String {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        // A closure, not a key path: in this generic getter a key path is built at run time on
        // every call, which cost more than escaping the elements.
        var texts: [String?] = map { $0.postgresArrayElement }
        var literal: [UInt8] = [UInt8(ascii: "{")]
        literal.reserveCapacity(texts.reduce(2 + 3 * texts.count) { $0 + ($1?.utf8.count ?? 4) * 11 / 10 })
        for index in texts.indices {
            if index > 0 { literal.append(UInt8(ascii: ",")) }
            guard texts[index] != nil else {
                literal.append(contentsOf: "NULL".utf8)
                continue
            }
            literal.append(quote)
            texts[index]!.withUTF8 { bytes in
                var start = 0
                for position in bytes.indices where bytes[position] == quote || bytes[position] == backslash {
                    literal.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<position]))
                    literal.append(backslash)
                    start = position
                }
                literal.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
            }
            literal.append(quote)
        }
        literal.append(UInt8(ascii: "}"))
        return String(decoding: literal, as: UTF8.self)
    }

    public static var postgresType: UInt32 { Element.postgresArrayType }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    /// Reads a one-dimensional array in PostgreSQL's output form; NULL elements need an Optional
    /// element type.
    public init(postgresText: String) throws {
        let texts: [String?]
        do {
            texts = try PostgresArrayParser.parse(postgresText)
        } catch let reason as PostgresArrayParser.Failure {
            throw PostgresDecodingError([Element].self, text: postgresText, reason: reason.message)
        }
        self = try texts.enumerated().map { index, text in
            do {
                return try decodeValue(Element.self, from: text)
            } catch let error as PostgresDecodingError {
                throw PostgresDecodingError([Element].self, text: postgresText, reason: "element \(index): \(error.reason)")
            }
        }
    }
}

enum PostgresArrayParser {
    struct Failure: Error { let message: String }

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), comma = UInt8(ascii: ",")
    private static let open = UInt8(ascii: "{"), close = UInt8(ascii: "}")

    /// Elements of `{a,"b c",NULL,"NULL"}`: quoted elements are data, a bare NULL is nil.
    static func parse(_ text: String) throws -> [String?] {
        let bytes = Array(text.utf8)
        var index = 0
        // Arrays whose lower bound is not 1 come as `[0:2]={…}`; the bounds do not matter here.
        if bytes.first == UInt8(ascii: "["), let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
            index = equals + 1
        }
        guard index < bytes.count, bytes[index] == open else { throw Failure(message: "an array literal starts with '{'") }
        index += 1
        var elements: [String?] = []
        skipBlanks(bytes, &index)
        if index < bytes.count, bytes[index] == close {
            guard index + 1 == bytes.count else { throw Failure(message: "text after the closing '}'") }
            return []
        }
        while true {
            skipBlanks(bytes, &index)
            guard index < bytes.count else { throw Failure(message: "unterminated array") }
            if bytes[index] == open { throw Failure(message: "multi-dimensional arrays are not supported") }
            var element: [UInt8] = []
            if bytes[index] == quote {
                index += 1
                while true {
                    guard index < bytes.count else { throw Failure(message: "unterminated quoted element") }
                    let byte = bytes[index]
                    if byte == quote { index += 1; break }
                    if byte == backslash { index += 1; guard index < bytes.count else { continue } }
                    element.append(bytes[index])
                    index += 1
                }
                elements.append(String(decoding: element, as: UTF8.self))
            } else {
                var escaped = false
                while index < bytes.count, bytes[index] != comma, bytes[index] != close {
                    if bytes[index] == backslash, index + 1 < bytes.count { index += 1; escaped = true }
                    element.append(bytes[index])
                    index += 1
                }
                while let last = element.last, last == UInt8(ascii: " ") { element.removeLast() }
                let word = String(decoding: element, as: UTF8.self)
                elements.append(!escaped && word.uppercased() == "NULL" ? nil : word)
            }
            skipBlanks(bytes, &index)
            guard index < bytes.count else { throw Failure(message: "unterminated array") }
            if bytes[index] == comma { index += 1; continue }
            guard bytes[index] == close else { throw Failure(message: "expected ',' or '}' at offset \(index)") }
            guard index + 1 == bytes.count else { throw Failure(message: "text after the closing '}'") }
            return elements
        }
    }

    private static func skipBlanks(_ bytes: [UInt8], _ index: inout Int) {
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\n") || bytes[index] == UInt8(ascii: "\t") {
            index += 1
        }
    }
}
