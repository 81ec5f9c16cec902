import Foundation
import HTTPTypes
import Hummingbird

/// Takes the client's `X-Request-ID` or makes one, keeps it in the context (it becomes the
/// correlation id of every message the request causes) and returns it on every response.
struct RequestIdMiddleware: RouterMiddleware {
    typealias Context = IngressRequestContext
    static let maximumLength = 128

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let given = request.headers[.xRequestID]
        context.requestId = given.flatMap { Self.isAcceptable($0) ? $0 : nil } ?? UUID.random().lowercasedString
        context.logger[metadataKey: "request_id"] = .string(context.requestId)
        var response: Response
        if let given, !Self.isAcceptable(given) {
            var problem = Problem.invalid("X-Request-ID", "must be 1 to \(Self.maximumLength) letters, digits, '.', '_', ':' or '-'")
            problem.instance = context.requestId
            response = try problem.response(from: request, context: context)
        } else {
            response = try await next(request, context)
        }
        response.headers[.xRequestID] = context.requestId
        return response
    }

    static func isAcceptable(_ id: String) -> Bool {
        (1...maximumLength).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2E || byte == 0x5F || byte == 0x3A || byte == 0x2D
            }
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("X-Request-ID")!
    static let prefer = HTTPField.Name("Prefer")!
    static let preferenceApplied = HTTPField.Name("Preference-Applied")!
}
