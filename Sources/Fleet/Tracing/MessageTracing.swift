import Logging
import Synchronization
import Tracing

/// Spans for the fleet's messages, through swift-distributed-tracing: off (and free) until the
/// process bootstraps a tracer and calls `enable()`, as `airfleet` does when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
///
/// Each message's envelope carries the context of the span that created it; its handler runs in
/// a span of its own whose parent that is, and every message the handler emits is created in a
/// span under it, so a booking is one trace from the ingress through every context. Off, a
/// message's trace headers pass unchanged to what it causes, so a traced hop further on still
/// joins its caller's trace.
public enum MessageTracing {
    private static let enabled = Atomic<Bool>(false)

    public static var isEnabled: Bool { enabled.load(ordering: .acquiring) }

    /// Call once `InstrumentationSystem` has a tracer that exports.
    public static func enable() { enabled.store(true, ordering: .releasing) }

    /// The trace headers for a message created now: with tracing on, those of a producer span
    /// under the current span (the handler's, the HTTP request's), or of a new trace; off, the
    /// headers of what caused it.
    public static func headers(creating type: MessageType, id: String, exchange: String,
                               inheriting inherited: TraceHeaders?) -> TraceHeaders? {
        guard isEnabled else { return inherited ?? ServiceContext.current?.inheritedTraceHeaders }
        let tracer = InstrumentationSystem.tracer
        let span = tracer.startSpan("create \(type)", context: ServiceContext.current ?? .topLevel, ofKind: .producer)
        span.attributes["messaging.system"] = "rabbitmq"
        span.attributes["messaging.operation.type"] = "create"
        span.attributes["messaging.destination.name"] = exchange
        span.attributes["messaging.message.id"] = id
        defer { span.end() }
        return TraceHeaders(injecting: span.context)
    }

    /// The trace headers of the current span, for log lines; nil without tracing or a span.
    public static func currentSpanHeaders() -> TraceHeaders? {
        guard isEnabled, let context = ServiceContext.current else { return nil }
        return TraceHeaders(injecting: context)
    }

    /// What a log line says of its trace: the trace and span ids of `span` when there is one,
    /// otherwise the trace id of the context the work came with.
    public static func logMetadata(span: TraceHeaders?, incoming: TraceHeaders?) -> Logger.Metadata {
        if let span { return ["trace_id": "\(span.traceID)", "span_id": "\(span.spanID)"] }
        if let incoming { return ["trace_id": "\(incoming.traceID)"] }
        return [:]
    }

    /// Runs `body` in a client span (a call to the outside world) under `trace`, or under the
    /// current span; without tracing, just runs it.
    public static func withClientSpan<T, Failure: Error>(
        _ name: String, in trace: MessageTrace? = nil, attributes: [String: String] = [:],
        _ body: () throws(Failure) -> T
    ) throws(Failure) -> T {
        guard isEnabled, let parent = trace?.context ?? ServiceContext.current else { return try body() }
        let span = InstrumentationSystem.tracer.startSpan(name, context: parent, ofKind: .client)
        for (key, value) in attributes { span.attributes[key] = value }
        defer { span.end() }
        let result = ServiceContext.withValue(span.context) { Result { () throws(Failure) in try body() } }
        if case .failure(let error) = result {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error, message: "\(error)"))
        }
        return try result.get()
    }

    /// The span a context's handler runs in for one message, its parent the span that created the
    /// message (a new trace when the message carries none); nil without tracing.
    static func startProcessing(_ header: EnvelopeHeader, queue: @autoclosure () -> String) -> MessageTrace? {
        guard isEnabled else { return nil }
        let tracer = InstrumentationSystem.tracer
        var parent = ServiceContext.topLevel
        if let headers = header.traceHeaders { tracer.extract(headers.fields, into: &parent, using: TraceFieldsCarrier()) }
        let span = tracer.startSpan("process \(header.type)", context: parent, ofKind: .consumer)
        span.attributes["messaging.system"] = "rabbitmq"
        span.attributes["messaging.operation.type"] = "process"
        span.attributes["messaging.destination.name"] = queue()
        span.attributes["messaging.message.id"] = header.id
        span.attributes["messaging.message.conversation_id"] = header.correlationid ?? header.id
        return MessageTrace(span)
    }
}

/// The span a message is handled in, for the runtime and a context's batch steps.
public final class MessageTrace: Sendable {
    let span: any Span
    let context: ServiceContext
    /// Its ids, for log lines that join the trace.
    let headers: TraceHeaders?

    init(_ span: any Span) {
        self.span = span
        self.context = span.context
        self.headers = TraceHeaders(injecting: span.context)
    }

    /// Runs `body` with this span current, so what it calls and emits is under it.
    func bound<T>(_ body: () throws -> T) rethrows -> T {
        try ServiceContext.withValue(context, operation: body)
    }

    func end(failure: String? = nil) {
        if let failure { span.setStatus(SpanStatus(code: .error, message: failure)) }
        span.end()
    }
}

extension MessageTrace? {
    /// Runs `body` with the span current when there is one.
    func bound<T>(_ body: () throws -> T) rethrows -> T {
        guard let self else { return try body() }
        return try self.bound(body)
    }
}

extension TraceHeaders {
    var fields: [String: String] {
        var fields = [Self.traceparentKey: traceparent]
        if let tracestate { fields[Self.tracestateKey] = tracestate }
        return fields
    }

    /// The headers the process's tracer writes for a span context.
    init?(injecting context: ServiceContext) {
        var fields: [String: String] = [:]
        InstrumentationSystem.tracer.inject(context, into: &fields, using: TraceFieldsCarrier())
        self.init(fields)
    }
}

/// Trace headers that arrived with a request, carried to the messages it sends while tracing is
/// off (on, the request's span is the parent instead).
private enum InheritedTraceHeadersKey: ServiceContextKey {
    typealias Value = TraceHeaders
}

extension ServiceContext {
    public var inheritedTraceHeaders: TraceHeaders? {
        get { self[InheritedTraceHeadersKey.self] }
        set { self[InheritedTraceHeadersKey.self] = newValue }
    }
}

struct TraceFieldsCarrier: Extractor, Injector {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}

extension [InboundMessage] {
    /// Ends the spans of a batch's messages once their outcomes are committed and sent; a batch
    /// interrupted before (nil outcomes) comes back, and its messages are handled in new spans.
    func endTraces(_ outcomes: [BatchOutcome]?) {
        for (index, message) in enumerated() {
            guard let trace = message.trace else { continue }
            switch outcomes?[index] {
            case .failed(let failure): trace.end(failure: "\(failure.kind.rawValue): \(failure.reason)")
            case nil: trace.end(failure: "the batch was interrupted; the message comes back")
            case .handled, .duplicate: trace.end()
            }
        }
    }
}
