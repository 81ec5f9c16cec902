import HTTPTypes
import Hummingbird

/// Turns the router's 404 into 405 with `Allow` when the path is one the ingress serves and only
/// the method is wrong (RFC 9110 §15.5.6).
///
/// Added to the router after every route, so Hummingbird puts it only in front of the responder
/// for requests no route took: served requests never pass through it.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = IngressRequestContext
    let served: ServedMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let methods = served.methods(forPath: request.uri.path) else { throw error }
            throw Problem.methodNotAllowed(request.method, path: request.uri.path, allowed: methods)
        }
    }
}
