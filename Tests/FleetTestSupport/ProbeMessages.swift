import Fleet
import Foundation

// Messages of two small contexts that exist only for the runtime's tests: `probe` handles
// commands that succeed, fail, crash or dawdle on request; `tally` follows what `probe` emits.

/// Record `key` once; emits `probe.recorded.v1`.
public struct ProbeRecord: Command, Equatable {
    public static let messageType = MessageType("probe.record", version: 1)
    public var key: String
    public init(key: String) { self.key = key }
    public func validate() throws {
        guard !key.isEmpty else { throw ValidationError(field: "key", "must not be empty") }
    }
}

public struct ProbeRecorded: Event, Equatable {
    public static let messageType = MessageType("probe.recorded", version: 1)
    public var key: String
    public init(key: String) { self.key = key }
}

/// Fails transiently on its first `failures` attempts, then records `key`.
public struct ProbeFlaky: Command {
    public static let messageType = MessageType("probe.flaky", version: 1)
    public var key: String
    public var failures: Int
    public init(key: String, failures: Int) { self.key = key; self.failures = failures }
}

/// Always fails transiently.
public struct ProbeFail: Command {
    public static let messageType = MessageType("probe.fail", version: 1)
    public var key: String
    public init(key: String) { self.key = key }
}

/// Refused for good by its handler.
public struct ProbeReject: Command {
    public static let messageType = MessageType("probe.reject", version: 1)
    public var key: String
    public init(key: String) { self.key = key }
}

/// Marks `key` in a table where it can be marked once: a second handling fails on its key.
public struct ProbeMark: Command {
    public static let messageType = MessageType("probe.mark", version: 1)
    public var key: String
    public init(key: String) { self.key = key }
}

/// Kills the process that handles it, every time.
public struct ProbeCrash: Command {
    public static let messageType = MessageType("probe.crash", version: 1)
    public var key: String
    public init(key: String) { self.key = key }
}

/// Records `key` after sleeping, to keep work in hand while a test stops the process.
public struct ProbeSlow: Command {
    public static let messageType = MessageType("probe.slow", version: 1)
    public var key: String
    public var milliseconds: Int
    public init(key: String, milliseconds: Int) { self.key = key; self.milliseconds = milliseconds }
}

/// The first version of a note: text only.
public struct ProbeNoteV1: Command {
    public static let messageType = MessageType("probe.note", version: 1)
    public var text: String
    public init(text: String) { self.text = text }
}

/// The second version adds its author; a v1 note is upcast with the author unknown.
public struct ProbeNoteV2: Command {
    public static let messageType = MessageType("probe.note", version: 2)
    public var text: String
    public var author: String
    public init(text: String, author: String) { self.text = text; self.author = author }
    public static var upcasters: [Upcaster<ProbeNoteV2>] {
        [Upcaster(from: ProbeNoteV1.self) { ProbeNoteV2(text: $0.text, author: "unknown") }]
    }
}

/// How many times `key` was recorded.
public struct ProbeCount: Query {
    public static let messageType = MessageType("probe.count", version: 1)
    public struct Response: Codable, Sendable, Equatable {
        public var key: String
        public var count: Int
        public init(key: String, count: Int) { self.key = key; self.count = count }
    }
    public var key: String
    public init(key: String) { self.key = key }
}

/// A query that takes its time, so a test can see a client give up.
public struct ProbeSlowQuery: Query {
    public static let messageType = MessageType("probe.slow-query", version: 1)
    public typealias Response = ProbeCount.Response
    public var milliseconds: Int
    public init(milliseconds: Int) { self.milliseconds = milliseconds }
}
