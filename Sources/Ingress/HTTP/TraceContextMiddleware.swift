import Fleet
import HTTPTypes
import Hummingbird
import Tracing

/// Joins a request to its trace. With tracing on, Hummingbird's `TracingMiddleware` before this
/// one runs the request in a span whose parent is the client's `traceparent` (a new trace
/// without one), and the messages the request sends are created under it. Off, the client's
/// `traceparent`/`tracestate` pass unchanged to those messages. Either way the request's log
/// lines carry the trace id (and the span id when there is a span).
struct TraceContextMiddleware: RouterMiddleware {
    typealias Context = IngressRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let given = MessageTracing.isEnabled ? nil
            : TraceHeaders(traceparent: request.headers[.traceparent], tracestate: request.headers[.tracestate])
        for (key, value) in MessageTracing.logMetadata(span: MessageTracing.currentSpanHeaders(), incoming: given) {
            context.logger[metadataKey: key] = value
        }
        guard let given else { return try await next(request, context) }
        var serviceContext = ServiceContext.current ?? .topLevel
        serviceContext.inheritedTraceHeaders = given
        return try await ServiceContext.withValue(serviceContext) { try await next(request, context) }
    }
}

extension HTTPField.Name {
    static let traceparent = HTTPField.Name(TraceHeaders.traceparentKey)!
    static let tracestate = HTTPField.Name(TraceHeaders.tracestateKey)!
}
