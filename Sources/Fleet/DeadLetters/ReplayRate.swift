import Foundation
import Settings

/// How fast a replay may send messages back, such as `100/s` or `6000/m`.
public struct ReplayRate: Sendable, Equatable, CustomStringConvertible {
    public let perSecond: Double

    public init(perSecond: Double) {
        self.perSecond = perSecond
    }

    /// Reads `N/s`, `N/m`, `N/h`, or a bare `N` (per second); N may have a fraction.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let scale: Double
        switch parts.count == 2 ? parts[1].lowercased() : "s" {
        case "s", "sec", "second": scale = 1
        case "m", "min", "minute": scale = 60
        case "h", "hour": scale = 3600
        default: throw ConfigurationError("--rate: '\(text)' is not a rate such as 100/s, 500/m or 2000/h")
        }
        guard parts.count <= 2, let count = Double(parts[0]), count.isFinite, count > 0 else {
            throw ConfigurationError("--rate: '\(text)' is not a rate such as 100/s, 500/m or 2000/h (a number above 0, then /s, /m or /h)")
        }
        perSecond = count / scale
    }

    public var description: String {
        perSecond >= 1 ? "\(perSecond.formatted(.number.precision(.fractionLength(0...2))))/s"
            : "\((perSecond * 3600).formatted(.number.precision(.fractionLength(0...2))))/h"
    }
}

/// Spaces messages evenly from the start of a run: message `n` (from 0) may leave `n / rate`
/// seconds after the start. Measuring from the start, not from the previous message, keeps the
/// average exact however long each publish takes.
public struct ReplayPacer: Sendable {
    public let rate: ReplayRate?

    public init(rate: ReplayRate?) {
        self.rate = rate
    }

    /// How long to wait before sending message `index` when `elapsed` has passed since the start.
    public func delay(beforeMessage index: Int, elapsed: Duration) -> Duration {
        guard let rate, index > 0 else { return .zero }
        let due = Double(index) / rate.perSecond
        let wait = due - elapsed.seconds
        return wait > 0 ? .milliseconds(Int64((wait * 1000).rounded(.up))) : .zero
    }
}
