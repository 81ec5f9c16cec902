import Fleet
import Foundation

/// A dead letter as `dlq show` prints it for a person.
enum DeadLetterText {
    static func describe(_ letter: DeadLetter, now: Date) -> String {
        var lines = ["\(letter.id)  \(letter.type)  in \(Topology.deadLetterQueue(of: letter.context))"]
        func field(_ name: String, _ value: String) {
            lines.append("  \(name.padding(toLength: 11, withPad: " ", startingAt: 0)) \(value)")
        }
        let age = letter.failedAt.map { " (\(formatAge(max(0, Int(now.timeIntervalSince($0))))) ago)" } ?? ""
        field("failed", (letter.failedAt.map(FleetJSON.formatTimestamp) ?? "at an unknown time") + age)
        field("reason", letter.kind)
        field("error", letter.error)
        if let attempts = letter.attempts { field("attempts", String(attempts)) }
        if let consumer = letter.consumer { field("consumer", consumer) }
        field("replays to", letter.origin)
        field("replayed", letter.replays == 0 ? "never"
              : "\(letter.replays) time(s), last at \(letter.lastReplayedAt.map(FleetJSON.formatTimestamp) ?? "an unknown time")")
        lines.append("  history")
        if letter.failures.isEmpty { lines.append("    (none recorded)") }
        for (index, failure) in letter.failures.enumerated() {
            let attempt = failure.attempt.map { "attempt \($0)" } ?? "-"
            lines.append("    \(index + 1). \(failure.at ?? "-")  \(attempt)  \(failure.kind)  \(failure.consumer ?? "-")")
            lines.append("       \(failure.error)")
        }
        let object = letter.jsonObject()
        lines.append("  properties")
        lines.append(indented(pretty(object["properties"] ?? [:]), by: 4))
        lines.append("  body")
        lines.append(indented(object["body"].map(pretty) ?? "(not JSON; base64) \(object["bodyBase64"] ?? "")", by: 4))
        return lines.joined(separator: "\n")
    }

    private static func pretty(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }

    private static func indented(_ text: String, by spaces: Int) -> String {
        let pad = String(repeating: " ", count: spaces)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { pad + $0 }.joined(separator: "\n")
    }
}
