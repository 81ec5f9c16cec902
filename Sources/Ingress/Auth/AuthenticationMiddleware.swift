import Hummingbird

/// Reads a bearer token when one is sent and puts its identity in the context; a token that
/// does not verify is refused at once (401), even on a route anyone may use, so a client
/// learns its token is bad instead of being silently treated as anonymous. Health and metrics
/// (outside /v1) never look at credentials, so a probe that sends some is not turned away.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = IngressRequestContext
    let tokens: AccessTokens

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/v1/"), let authorization = request.headers[.authorization] else { return try await next(request, context) }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem.unauthenticated("the Authorization header must be 'Bearer <access token>'")
        }
        var context = context
        context.identity = try await tokens.verify(String(parts[1]).trimmingCharacters(in: .whitespaces))
        return try await next(request, context)
    }
}
