import Foundation

/// The CloudEvents 1.0 attributes every Airfleet message carries around its data.
public struct EnvelopeHeader: Codable, Sendable, Equatable {
    public var specversion: String
    /// Unique per message; consumers deduplicate on it.
    public var id: String
    public var type: String
    public var source: String
    public var time: Date?
    public var subject: String?
    public var correlationid: String?
    public var causationid: String?
    public var datacontenttype: String?
    /// W3C trace context of the span that created the message (CloudEvents distributed tracing).
    public var traceparent: String?
    public var tracestate: String?

    public init(id: String, type: MessageType, source: String, time: Date, subject: String?,
                correlationId: String?, causationId: String?, trace: TraceHeaders? = nil) {
        self.specversion = "1.0"
        self.id = id
        self.type = type.description
        self.source = source
        self.time = time
        self.subject = subject
        self.correlationid = correlationId
        self.causationid = causationId
        self.datacontenttype = "application/json"
        self.traceparent = trace?.traceparent
        self.tracestate = trace?.tracestate
    }

    /// The trace this message belongs to; nil when it carries none or a malformed one.
    public var traceHeaders: TraceHeaders? { TraceHeaders(traceparent: traceparent, tracestate: tracestate) }

    public var messageType: MessageType? { MessageType(parsing: type) }

    /// Checks the attributes decoding cannot: a message with a broken header is a permanent error.
    func validate() throws {
        guard specversion == "1.0" else {
            throw ValidationError(field: "specversion", "must be \"1.0\", not \"\(specversion)\"")
        }
        guard !id.isEmpty, id.count <= 200 else { throw ValidationError(field: "id", "must be 1 to 200 characters") }
        guard messageType != nil else {
            throw ValidationError(field: "type", "'\(type)' is not of the form noun.verb.v1")
        }
        guard !source.isEmpty else { throw ValidationError(field: "source", "must not be empty") }
        if let datacontenttype, !datacontenttype.hasPrefix("application/json") {
            throw ValidationError(field: "datacontenttype", "must be application/json, not \(datacontenttype)")
        }
    }
}

/// A decoded message with its header, as handlers receive it.
public struct Envelope<Payload: Sendable>: Sendable {
    public let header: EnvelopeHeader
    public let data: Payload

    public init(header: EnvelopeHeader, data: Payload) {
        self.header = header
        self.data = data
    }

    public var id: String { header.id }
    public var subject: String? { header.subject }
    /// The request or saga this message belongs to; its own id when it starts one.
    public var correlationId: String { header.correlationid ?? header.id }
}

/// The document written on the wire: the header's attributes and `data` side by side.
struct EnvelopeDocument<Payload: Encodable>: Encodable {
    let header: EnvelopeHeader
    let data: Payload

    func encode(to encoder: any Encoder) throws {
        try header.encode(to: encoder)
        var container = encoder.container(keyedBy: DataKey.self)
        try container.encode(data, forKey: .data)
    }

    enum DataKey: String, CodingKey { case data }
}
