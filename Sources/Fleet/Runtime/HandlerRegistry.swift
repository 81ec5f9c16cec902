import Foundation
import Logging

/// The messages one context handles and the queries it answers, by type and version.
///
/// Registering the newest version of a message also registers every older version its
/// upcasters accept, so the topology binds them and the runtime decodes them into the newest.
public struct HandlerRegistry: Sendable {
    public let context: String
    private(set) var handlers: [MessageType: RegisteredHandler] = [:]
    private(set) var queries: [MessageType: RegisteredQuery] = [:]
    private(set) var jobs: [ScheduledJob] = []
    /// Takes every event of a type no handler here registers (see `forwardOtherEvents`).
    private(set) var forwarder: RegisteredHandler?

    public init(context: String) {
        self.context = context
    }

    /// Handles a command or an event inside the runtime's transaction.
    public mutating func handle<M: Message>(
        _ type: M.Type,
        _ handler: @escaping @Sendable (Envelope<M>, HandlerContext) throws -> Void
    ) {
        precondition(M.kind != .query, "\(M.messageType) is a query: register it with answer(_:_:)")
        for (version, decode) in acceptedVersions(of: M.self) {
            precondition(handlers[version] == nil, "\(context) registers a handler for \(version) twice")
            var registered = RegisteredHandler(handledType: M.messageType, kind: M.kind) { header, body, decoder in
                let message = try decode(body, decoder)
                try message.validate()
                let envelope = Envelope(header: header, data: message)
                return (message, { context in try handler(envelope, context) })
            }
            if version == M.messageType {
                registered.prepareInOnePass = { body, decoder in
                    let whole = try decoder.decode(WholeEnvelope<M>.self, from: body)
                    try whole.header.validate()
                    try whole.data.validate()
                    let envelope = Envelope(header: whole.header, data: whole.data)
                    return (whole.header, whole.data, { context in try handler(envelope, context) })
                }
            }
            handlers[version] = registered
        }
    }

    /// Handles, inside the runtime's transaction like any handler, every event whose type no
    /// handler of this context registers, as it came: for a context that passes events on rather
    /// than reading them. The context's queue is bound to such events by the context itself
    /// (`ContextDefinition.withServices`), since which ones it wants changes while it runs.
    public mutating func forwardOtherEvents(_ handler: @escaping @Sendable (ForwardedEvent, HandlerContext) throws -> Void) {
        precondition(forwarder == nil, "\(context) forwards other events twice")
        forwarder = RegisteredHandler(handledType: MessageType("any.event", version: 1), kind: .event) { header, body, _ in
            guard let type = header.messageType else { throw ValidationError(field: "type", "is not a message type of the form noun.verb.v1") }
            let event = ForwardedEvent(header: header, type: type, body: body)
            return (event, { context in try handler(event, context) })
        }
    }

    /// Answers a query over direct reply-to, outside any inbox or outbox.
    public mutating func answer<Q: Query>(
        _ type: Q.Type,
        _ handler: @escaping @Sendable (Envelope<Q>, QueryContext) throws -> Q.Response
    ) {
        for (version, decode) in acceptedVersions(of: Q.self) {
            precondition(queries[version] == nil, "\(context) answers \(version) twice")
            queries[version] = RegisteredQuery(handledType: Q.messageType) { header, body, decoder in
                let query = try decode(body, decoder)
                try query.validate()
                let envelope = Envelope(header: header, data: query)
                return { context in try handler(envelope, context) }
            }
        }
    }

    /// Runs `job` about once per `interval` in every process of the context, in a transaction of
    /// the runtime with a context whose `emit` and `send` go through the outbox, like a handler's.
    /// Every process runs it, so a job claims its rows with `FOR UPDATE SKIP LOCKED`.
    public mutating func schedule(
        _ name: String, every interval: Duration,
        _ job: @escaping @Sendable (HandlerContext) throws -> Void
    ) {
        precondition(!jobs.contains { $0.name == name }, "\(context) schedules a job named \(name) twice")
        precondition(interval > .zero, "job \(name) needs a positive interval")
        jobs.append(ScheduledJob(name: name, interval: interval, run: job))
    }

    /// Every version of every command and event this context accepts, for its queue's bindings.
    public var acceptedMessages: [(MessageType, MessageKind)] {
        handlers.map { ($0.key, $0.value.kind) }.sorted { $0.0 < $1.0 }
    }

    /// Every version of every query this context answers.
    public var answeredQueries: [MessageType] { queries.keys.sorted() }

    func resolveHandler(_ type: MessageType) -> Resolution<RegisteredHandler> {
        switch resolve(type, in: handlers) {
        case .unknownType where forwarder != nil: .found(forwarder!)
        case let resolution: resolution
        }
    }

    func resolveQuery(_ type: MessageType) -> Resolution<RegisteredQuery> {
        resolve(type, in: queries)
    }

    private func resolve<T>(_ type: MessageType, in table: [MessageType: T]) -> Resolution<T> {
        if let found = table[type] { return .found(found) }
        let versions = table.keys.filter { $0.name == type.name }.map(\.version).sorted()
        return versions.isEmpty ? .unknownType : .unsupportedVersion(supported: versions)
    }
}

/// Work a context does on a clock rather than on a message (expiring holds, sending reminders).
struct ScheduledJob: Sendable {
    let name: String
    let interval: Duration
    let run: @Sendable (HandlerContext) throws -> Void
}

enum Resolution<T> {
    case found(T)
    case unknownType
    case unsupportedVersion(supported: [Int])
}

/// Decodes a message of one accepted version and binds it to its handler, ready to run.
struct RegisteredHandler: Sendable {
    let handledType: MessageType
    let kind: MessageKind
    /// The message's data, decoded and upcast, and its handler's run on it.
    let prepare: @Sendable (EnvelopeHeader, Data, JSONDecoder) throws -> (data: any Sendable, run: (HandlerContext) throws -> Void)
    /// For the current version: header and data read in one pass over the body, valid both, or
    /// an error that sends the message the long way (`InboundMessage`), which says what is wrong.
    var prepareInOnePass: (@Sendable (Data, JSONDecoder) throws -> (header: EnvelopeHeader, data: any Sendable,
                                                                     run: (HandlerContext) throws -> Void))?

    init(handledType: MessageType, kind: MessageKind,
         prepare: @escaping @Sendable (EnvelopeHeader, Data, JSONDecoder) throws -> (data: any Sendable, run: (HandlerContext) throws -> Void)) {
        self.handledType = handledType
        self.kind = kind
        self.prepare = prepare
    }
}

/// An envelope document read whole: the header's attributes and `data` side by side.
private struct WholeEnvelope<M: Decodable>: Decodable {
    let header: EnvelopeHeader
    let data: M

    init(from decoder: any Decoder) throws {
        header = try EnvelopeHeader(from: decoder)
        data = try decoder.container(keyedBy: DataKey.self).decode(M.self, forKey: .data)
    }

    enum DataKey: String, CodingKey { case data }
}

struct RegisteredQuery: Sendable {
    let handledType: MessageType
    let prepare: @Sendable (EnvelopeHeader, Data, JSONDecoder) throws -> (QueryContext) throws -> any Encodable
}
