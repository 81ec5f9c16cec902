/// The W3C trace context a message carries in its envelope, as the CloudEvents distributed
/// tracing extension names it: `traceparent` and, when a tracer keeps vendor state, `tracestate`.
public struct TraceHeaders: Sendable, Equatable {
    public let traceparent: String
    public let tracestate: String?

    public static let traceparentKey = "traceparent"
    public static let tracestateKey = "tracestate"

    /// Nil unless `traceparent` is well-formed: a malformed one starts a new trace, as W3C Trace
    /// Context asks, rather than failing the message that carries it.
    public init?(traceparent: String?, tracestate: String?) {
        guard let traceparent, let parsed = TraceParent(traceparent) else { return nil }
        self.traceparent = traceparent
        self.tracestate = tracestate?.isEmpty == true ? nil : tracestate
        self.traceID = parsed.traceID
        self.spanID = parsed.spanID
    }

    /// The trace this context belongs to, 32 lowercase hexadecimal digits.
    public let traceID: Substring
    /// The span that is the parent of whatever carries this context.
    public let spanID: Substring

    /// The form a `[String: String]` carrier (HTTP headers, an injector's output) holds.
    public init?(_ fields: [String: String]) {
        self.init(traceparent: fields[Self.traceparentKey], tracestate: fields[Self.tracestateKey])
    }
}

/// A `traceparent` value read as W3C Trace Context (level 1) reads it:
/// `version-traceid-parentid-flags`, lowercase hexadecimal, neither id all zeros. A version
/// after 00 may append fields, which are ignored; version ff is invalid.
struct TraceParent {
    let traceID: Substring
    let spanID: Substring

    init?(_ text: String) {
        let fields = text.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count >= 4, Self.isHex(fields[0], count: 2), fields[0] != "ff",
              Self.isHex(fields[1], count: 32), Self.isHex(fields[2], count: 16), Self.isHex(fields[3], count: 2),
              fields[1].contains(where: { $0 != "0" }), fields[2].contains(where: { $0 != "0" })
        else { return nil }
        // Version 00 has exactly four fields.
        if fields[0] == "00", fields.count != 4 { return nil }
        traceID = fields[1]
        spanID = fields[2]
    }

    private static func isHex(_ field: Substring, count: Int) -> Bool {
        field.utf8.count == count && field.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
