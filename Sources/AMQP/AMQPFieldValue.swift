import Foundation

/// One value of an AMQP field table (headers, queue and consumer arguments).
///
/// Every integer width the wire knows arrives as `.int`, floats and decimals as `.double`, short
/// and long strings as `.string`. Sending, integers go out as signed 64-bit (`l`), strings as
/// long strings (`S`), doubles as `d` and dates as whole-second timestamps (`T`).
public indirect enum AMQPFieldValue: Sendable, Equatable {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case timestamp(Date)
    case table(AMQPTable)
    case array([AMQPFieldValue])
    case void

    public var stringValue: String? {
        switch self {
        case .string(let value): return value
        // Some clients send text as a byte array; reading it as text is what the caller wants.
        case .bytes(let value): return String(validating: value, as: UTF8.self)
        default: return nil
        }
    }

    /// An integer of any width, or a string holding a decimal integer (some tools write
    /// numeric headers as text).
    public var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .string(let value): return Int64(value.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var doubleValue: Double? {
        switch self {
        case .double(let value): return value
        case .int(let value): return Double(value)
        default: return nil
        }
    }

    public var tableValue: AMQPTable? {
        if case .table(let value) = self { return value }
        return nil
    }

    public var arrayValue: [AMQPFieldValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var dateValue: Date? {
        if case .timestamp(let value) = self { return value }
        return nil
    }
}

/// An AMQP field table: header names or argument names to values.
public typealias AMQPTable = [String: AMQPFieldValue]

extension AMQPFieldValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: AMQPFieldValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, AMQPFieldValue)...) {
        self = .table(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
