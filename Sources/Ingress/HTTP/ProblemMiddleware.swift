import Contracts
import Fleet
import Foundation
import Hummingbird

/// Turns every error a handler or middleware throws into an RFC 9457 problem, so a client
/// never sees a bare status or an HTML page, and a 500 is logged with the request id.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = IngressRequestContext
    let maximumBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var problem = problem(for: error, request: request, context: context)
            problem.instance = context.requestId
            return try problem.response(from: request, context: context)
        }
    }

    func problem(for error: any Error, request: Request, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as ValidationError:
            return .invalid(error.field, error.reason)
        case let error as AccessTokens.Refusal:
            return .unauthenticated(error.description)
        case let error as QueryError:
            return Self.problem(for: error)
        case let error as BrokerClientError:
            switch error {
            case .unavailable(let text), .notDelivered(let text): return .unavailable(text, retryAfter: 2)
            case .timedOut(let text): return .timedOut(text)
            }
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                return .notFound("no route \(request.method) \(request.uri.path); the API lives under /v1 (see Schemas/openapi.yaml)")
            case .contentTooLarge:
                return .bodyTooLarge(limit: maximumBodyBytes)
            case .methodNotAllowed:
                return Problem(.methodNotAllowed, kind: "method-not-allowed", title: "Method not allowed",
                               detail: "\(request.method) is not allowed on \(request.uri.path)")
            default:
                return Problem(error.status, kind: "http", title: error.status.reasonPhrase, detail: error.body ?? error.status.reasonPhrase)
            }
        default:
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return .internalError(requestId: context.requestId)
        }
    }

    /// A context's refusal to answer, as the client should see it.
    static func problem(for error: QueryError) -> Problem {
        switch error.kind {
        case .notFound: .notFound(error.message)
        case .invalid: .invalid(error.field ?? "query", error.message)
        case .unauthorized: .unauthenticated(error.message)
        case .forbidden: .forbidden(error.message)
        case .conflict: .conflict(error.message, field: error.field)
        default: Problem(.badGateway, kind: "upstream", title: "A context could not answer", detail: error.description)
        }
    }
}
