import Foundation

/// The body of a reply to a query: the answer, or why there is none.
public struct QueryReply<Response: Codable & Sendable>: Codable, Sendable {
    public var ok: Bool
    public var data: Response?
    public var error: QueryError?
}

/// Why a query has no answer. Query handlers throw it; clients receive it.
public struct QueryError: Error, Codable, Sendable, CustomStringConvertible, Equatable {
    /// `not-found`, `invalid`, `forbidden`, `internal`, or one a context defines.
    public var kind: String
    public var message: String
    /// The field at fault, for `invalid`.
    public var field: String?

    public init(kind: String, message: String, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.field = field
    }

    public static func notFound(_ message: String) -> QueryError { QueryError(kind: "not-found", message: message) }
    public static func invalid(_ field: String, _ message: String) -> QueryError { QueryError(kind: "invalid", message: message, field: field) }

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
