import Hummingbird

/// Answers 429 with Retry-After once a client exceeds its rate. Health and metrics are never
/// limited, so monitoring keeps working while a client is throttled.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = IngressRequestContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path.hasPrefix("/v1/"), let wait = limiter.admit(context.clientKey) {
            throw Problem.tooManyRequests(retryAfter: wait)
        }
        return try await next(request, context)
    }
}
