import Foundation
import Settings

/// The delays a transiently failing message waits before its next attempt, one TTL queue per rung.
///
/// Attempt 1 is the first delivery; after it fails the message waits `delays[0]`, after attempt 2
/// `delays[1]`, and after the last rung it is dead-lettered. The ladder is part of the topology:
/// every process of a fleet must use the same one.
public struct RetryLadder: Sendable, Equatable, CustomStringConvertible {
    public let delays: [Duration]

    public static let standard = RetryLadder(delays: [.seconds(1), .seconds(10), .seconds(60), .seconds(600)])

    public init(delays: [Duration]) {
        self.delays = delays
    }

    /// Parses a comma-separated list such as `1s,10s,1m,10m` or `200ms,1s`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty else { throw ConfigurationError("the retry ladder needs at least one delay, such as 1s,10s,1m") }
        self.delays = try parts.map { try parseDuration($0, setting: "the retry ladder") }
    }

    /// Attempts a message gets in all: the first delivery and one per rung.
    public var maxAttempts: Int { delays.count + 1 }

    /// The rung to wait on after `attempt` failed, or nil when the ladder is exhausted.
    public func rung(after attempt: Int) -> Int? {
        let index = attempt - 1
        return delays.indices.contains(index) ? index : nil
    }

    /// The longest rung not above `wait`, or the shortest when every rung is; nil for no rungs.
    public func delay(closestBelow wait: Duration) -> Duration? {
        delays.filter { $0 <= wait }.max() ?? delays.min()
    }

    public var description: String { delays.map(formatDuration).joined(separator: ",") }
}
