import Foundation

/// A message's `data` that did not decode, in plain words, with the value at fault read from
/// the document: `data.flightId must be a UUID, got "not-a-uuid"`.
public struct DataDecodingError: Error, CustomStringConvertible, Sendable {
    public let field: String
    public let reason: String

    public var description: String { "\(field) \(reason)" }
}

/// Describes a decoding failure by the path of the field at fault, the way a person reading
/// the JSON would look for it: `data.passengers[0].lastName is required`. Given the `document`
/// the error's coding path starts in, a wrong value is quoted: `data.cabin must be one of first,
/// business, premium-economy, economy, got "cargo"`.
public func describeDecodingFailure(_ error: any Error, root: String = "data", document: Data? = nil) -> (field: String, reason: String) {
    if let error = error as? DataDecodingError { return (error.field, error.reason) }
    guard let error = error as? DecodingError else { return (root, "\(error)") }
    func path(_ codingPath: [any CodingKey], appending key: (any CodingKey)? = nil) -> String {
        var text = root
        for key in codingPath + (key.map { [$0] } ?? []) {
            if let index = key.intValue { text += "[\(index)]" } else { text += ".\(key.stringValue)" }
        }
        return text
    }
    func got(_ codingPath: [any CodingKey]) -> String {
        guard let document, let value = JSONValueLookup.value(at: codingPath, in: document) else { return "" }
        return ", got \(value)"
    }
    switch error {
    case .keyNotFound(let key, let context):
        return (path(context.codingPath, appending: key), "is required")
    case .valueNotFound(let type, let context):
        return (path(context.codingPath), "must be \(jsonName(of: type)), not null")
    case .typeMismatch(let type, let context):
        return (path(context.codingPath), "must be \(jsonName(of: type))" + got(context.codingPath))
    case .dataCorrupted(let context):
        if context.codingPath.isEmpty { return (root, "is not valid JSON: \(context.debugDescription)") }
        return (path(context.codingPath), plainWords(context.debugDescription) + got(context.codingPath))
    @unknown default:
        return (root, "\(error)")
    }
}

/// Foundation's decoding texts, said as the rest of the system says what a field must be.
private func plainWords(_ text: String) -> String {
    if text.hasPrefix("Attempted to decode UUID") { return "must be a UUID" }
    if text.hasPrefix("Cannot initialize"), text.contains("from invalid") { return "is not one of the values it takes" }
    if text.hasPrefix("Parsed JSON number"), text.contains("does not fit") { return "is a number out of range" }
    return text
}

private func jsonName(of type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type: return "an integer"
    case is Double.Type, is Float.Type: return "a number"
    case is Bool.Type: return "true or false"
    case is UUID.Type: return "a UUID"
    case is Date.Type: return "an RFC 3339 time"
    default:
        let name = "\(type)"
        if name.hasPrefix("Array") { return "an array" }
        if name.hasPrefix("Dictionary") { return "an object" }
        return "an object (\(name))"
    }
}

/// The value at a coding path of a JSON document, as a person would quote it.
enum JSONValueLookup {
    static let longest = 60

    static func value(at codingPath: [any CodingKey], in document: Data) -> String? {
        guard var node = try? JSONDecoder().decode(JSONValue.self, from: document) else { return nil }
        for key in codingPath {
            switch node {
            case .array(let items) where key.intValue.map(items.indices.contains) == true: node = items[key.intValue!]
            case .object(let members) where members[key.stringValue] != nil: node = members[key.stringValue]!
            default: return nil
            }
        }
        return node.quoted
    }

    private indirect enum JSONValue: Decodable {
        case null, bool(Bool), integer(Int), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let value = try? container.decode(Bool.self) { self = .bool(value) }
            else if let value = try? container.decode(Int.self) { self = .integer(value) }
            else if let value = try? container.decode(Double.self) { self = .number(value) }
            else if let value = try? container.decode(String.self) { self = .string(value) }
            else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
            else { self = .object(try container.decode([String: JSONValue].self)) }
        }

        var quoted: String {
            switch self {
            case .null: "null"
            case .bool(let value): "\(value)"
            case .integer(let value): "\(value)"
            case .number(let value): "\(value)"
            case .string(let text):
                "\"" + (text.count > longest ? text.prefix(longest) + "…" : Substring(text))
                    .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            case .array: "an array"
            case .object: "an object"
            }
        }
    }
}
