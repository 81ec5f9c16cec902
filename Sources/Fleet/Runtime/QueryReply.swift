import Foundation

/// The body of a reply to a query: the answer, or why there is none.
public struct QueryReply<Response: Codable & Sendable>: Codable, Sendable {
    public var ok: Bool
    public var data: Response?
    public var error: QueryError?
}

/// Why a query has no answer. Query handlers throw it; clients receive it.
public struct QueryError: Error, Codable, Sendable, CustomStringConvertible, Equatable {
    /// What kind of refusal it is: one of the runtime's, or one a context defines. On the wire,
    /// its name (`not-found`).
    public struct Kind: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let notFound = Kind(rawValue: "not-found")
        /// The query is malformed in a field it names (`field`).
        public static let invalid = Kind(rawValue: "invalid")
        public static let unauthorized = Kind(rawValue: "unauthorized")
        public static let forbidden = Kind(rawValue: "forbidden")
        public static let conflict = Kind(rawValue: "conflict")
        /// The context has no answer for this query type, or not at this version.
        public static let unknownType = Kind(rawValue: "unknown-type")
        public static let unsupportedVersion = Kind(rawValue: "unsupported-version")
        /// The query's body is not a query envelope that can be read.
        public static let malformed = Kind(rawValue: "malformed")
        /// The context failed while answering.
        public static let `internal` = Kind(rawValue: "internal")

        public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
        public var description: String { rawValue }
    }

    public var kind: Kind
    public var message: String
    /// The field at fault, for `invalid`.
    public var field: String?

    public init(kind: Kind, message: String, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.field = field
    }

    public static func notFound(_ message: String) -> QueryError { QueryError(kind: .notFound, message: message) }
    public static func invalid(_ field: String, _ message: String) -> QueryError { QueryError(kind: .invalid, message: message, field: field) }

    public var description: String { field.map { "\(kind): \($0): \(message)" } ?? "\(kind): \(message)" }
}

/// Encodes whatever a handler answered without knowing its type statically.
struct AnyEncodable: Encodable {
    let value: any Encodable
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

struct EncodedReply: Encodable {
    let ok: Bool
    let data: AnyEncodable?
    let error: QueryError?
}
