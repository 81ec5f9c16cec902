import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An RFC 9457 problem: every error the ingress answers, as `application/problem+json`.
///
/// `type` is a stable URI per kind of problem that clients can switch on; `field` names the
/// JSON path (or query parameter, or header) at fault when there is one.
public struct Problem: Error, HTTPResponseError, Codable, Sendable, Equatable, CustomStringConvertible {
    public var type: String
    public var title: String
    /// The HTTP status, repeated in the body as RFC 9457 asks.
    public var statusCode: Int
    public var detail: String
    public var field: String?
    /// The request's id (X-Request-ID), also the correlation id of what it published.
    public var instance: String?
    /// Seconds to wait before trying again, for 429 and 503.
    public var retryAfter: Int?
    /// The methods the path serves, for 405; sent as `Allow`, not in the body.
    public var allowedMethods: [HTTPRequest.Method]?

    public init(_ status: HTTPResponse.Status, kind: String, title: String, detail: String, field: String? = nil,
                retryAfter: Int? = nil) {
        self.type = "https://airfleet.dev/problems/\(kind)"
        self.title = title
        self.statusCode = status.code
        self.detail = detail
        self.field = field
        self.retryAfter = retryAfter
    }

    public var description: String { "\(statusCode) \(title): \(detail)" + (field.map { " (\($0))" } ?? "") }

    // MARK: HTTPResponseError

    public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if let allowedMethods { headers[.allow] = allowedMethods.map(\.rawValue).joined(separator: ", ") }
        if statusCode == 401 { headers[.wwwAuthenticate] = #"Bearer realm="airfleet""# }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(self)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    enum CodingKeys: String, CodingKey {
        case type, title, statusCode = "status", detail, field, instance
    }
}

extension Problem {
    // The problems the ingress gives, one constructor each, so their kinds stay consistent.

    public static func invalid(_ field: String, _ detail: String) -> Problem {
        Problem(.badRequest, kind: "invalid-request", title: "The request is not valid", detail: "\(field): \(detail)", field: field)
    }
    public static func malformedJSON(_ detail: String) -> Problem {
        Problem(.badRequest, kind: "malformed-json", title: "The body is not valid JSON", detail: detail, field: "body")
    }
    public static func unsupportedMediaType(_ given: String) -> Problem {
        Problem(.unsupportedMediaType, kind: "unsupported-media-type", title: "The body must be JSON",
                detail: "send Content-Type: application/json, not \(given)", field: "Content-Type")
    }
    public static func bodyTooLarge(limit: Int) -> Problem {
        Problem(.contentTooLarge, kind: "body-too-large", title: "The body is too large",
                detail: "request bodies may be at most \(limit) bytes", field: "body")
    }
    public static func unauthenticated(_ detail: String) -> Problem {
        Problem(.unauthorized, kind: "unauthenticated", title: "Authentication is required", detail: detail, field: "Authorization")
    }
    /// The same answer for an unknown email and a wrong password, so neither can be told apart.
    public static let invalidCredentials = Problem(.unauthorized, kind: "invalid-credentials", title: "Login refused",
                                                   detail: "the email or the password is wrong")
    public static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, kind: "forbidden", title: "Not allowed", detail: detail)
    }
    public static func notFound(_ detail: String) -> Problem {
        Problem(.notFound, kind: "not-found", title: "Not found", detail: detail)
    }
    public static func conflict(_ detail: String, field: String? = nil) -> Problem {
        Problem(.conflict, kind: "conflict", title: "Conflict", detail: detail, field: field)
    }
    /// The IETF httpapi Idempotency-Key draft's answers: the key's first request had another body…
    public static func idempotencyKeyReused(_ detail: String) -> Problem {
        Problem(.unprocessableContent, kind: "idempotency-key-reused", title: "Idempotency-Key reused with another request",
                detail: detail, field: "Idempotency-Key")
    }
    /// …and is still being processed.
    public static func idempotencyKeyInUse(_ detail: String) -> Problem {
        Problem(.conflict, kind: "idempotency-key-in-use", title: "Idempotency-Key in use by a request in progress",
                detail: detail, field: "Idempotency-Key", retryAfter: 1)
    }
    public static func unprocessable(_ detail: String, field: String? = nil) -> Problem {
        Problem(.unprocessableContent, kind: "rejected", title: "The request was refused", detail: detail, field: field)
    }
    public static func methodNotAllowed(_ method: HTTPRequest.Method, path: String, allowed: [HTTPRequest.Method]) -> Problem {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        var problem = Problem(.methodNotAllowed, kind: "method-not-allowed", title: "Method not allowed",
                              detail: "\(path) does not serve \(method); it serves \(list)")
        problem.allowedMethods = allowed
        return problem
    }
    public static func tooManyRequests(retryAfter: Int) -> Problem {
        Problem(.tooManyRequests, kind: "rate-limited", title: "Too many requests",
                detail: "slow down: try again in \(retryAfter) s", retryAfter: retryAfter)
    }
    public static func unavailable(_ detail: String, retryAfter: Int = 1) -> Problem {
        Problem(.serviceUnavailable, kind: "unavailable", title: "Temporarily unavailable", detail: detail, retryAfter: retryAfter)
    }
    public static func timedOut(_ detail: String) -> Problem {
        Problem(.gatewayTimeout, kind: "timeout", title: "No answer in time", detail: detail)
    }
    public static func internalError(requestId: String) -> Problem {
        Problem(.internalServerError, kind: "internal", title: "Internal error",
                detail: "something failed on our side; the logs hold the details under request id \(requestId)")
    }
}
