import Fleet
import Foundation

/// What `dlq replay` shows while it runs: a progress bar with rate and ETA on a terminal, or one
/// JSON object per message and a closing summary for scripts.
final class SweepReport {
    enum Style { case progressBar, jsonLines }

    private let verb: String
    private let dryRun: Bool
    private let limit: Int?
    private let style: Style
    private let encoder: JSONEncoder
    private var summary = DeadLetterSummary()
    private var barShown = false

    init(verb: String, dryRun: Bool, limit: Int?, style: Style) {
        self.verb = verb
        self.dryRun = dryRun
        self.limit = limit
        self.style = style
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    func observe(_ event: DeadLetterSweep.Event) throws {
        switch (event, style) {
        case (.letter(let letter, let disposition), .jsonLines):
            emit(MessageLine(event: disposition.rawValue, letter: letter, reason: nil))
        case (.letter(let letter, _), .progressBar):
            summary.add(letter)
        case (.replayFailed(let letter, let reason), .jsonLines):
            emit(MessageLine(event: "failed", letter: letter, reason: reason))
        case (.replayFailed(let letter, let reason), .progressBar):
            clearBar()
            print("not replayed: \(letter.id) (\(letter.type)): \(reason)")
        case (.queueStarted(let context, let queue, let messages), .jsonLines):
            emit(QueueLine(context: context, queue: queue, messages: messages))
        case (.progress(let progress), .progressBar):
            drawBar(progress)
        case (.queueStarted, .progressBar), (.progress, .jsonLines):
            break
        }
    }

    /// The last word: a summary line, and on a terminal what moved where.
    func finish(_ progress: DeadLetterSweep.Progress) {
        let rate = progress.elapsedSeconds > 0 ? Double(progress.moved) / progress.elapsedSeconds : 0
        if style == .jsonLines {
            emit(SummaryLine(dryRun: dryRun, total: progress.total, scanned: progress.scanned, matched: progress.matched,
                             replayed: progress.moved, failed: progress.failed, elapsedSeconds: progress.elapsedSeconds,
                             perSecond: rate, interrupted: progress.interrupted))
            return
        }
        end()
        let count = dryRun ? progress.matched : progress.moved
        print("\(verb) \(count) of \(progress.scanned) dead letter(s) looked at in \(String(format: "%.1f", progress.elapsedSeconds)) s"
              + (dryRun ? "" : " (\(Int(rate))/s)") + (progress.failed > 0 ? "; \(progress.failed) could not be replayed" : ""))
        if progress.interrupted {
            print("interrupted: the rest stay in the dead letters; run the same command again to continue")
        } else if progress.scanned < progress.total, limit.map({ count < $0 }) ?? true {
            print("\(progress.total - progress.scanned) dead letter(s) were not reached (another client holds them, or they left meanwhile); run the same command again to go through them")
        }
        let groups = summary.sortedGroups
        guard !groups.isEmpty else { return }
        let rows = groups.map { [$0.queue, $0.type, $0.kind, String($0.count)] }
        print(TextTable.render(header: ["from", "type", "reason", dryRun ? "would replay" : "replayed"], rows: rows, rightAligned: [3]))
    }

    /// Ends the bar's line, so what follows starts on a line of its own.
    func end() {
        if barShown { print("") }
        barShown = false
    }

    private func clearBar() {
        if barShown { print("\r\u{1B}[2K", terminator: "") }
        barShown = false
    }

    private func drawBar(_ progress: DeadLetterSweep.Progress) {
        let scanned = progress.total > 0 ? Double(progress.scanned) / Double(progress.total) : 1
        let taken = limit.map { Double(dryRun ? progress.matched : progress.moved) / Double($0) } ?? 0
        let fraction = min(1, max(scanned, taken))
        let width = 30
        let filled = Int(fraction * Double(width))
        let rate = progress.elapsedSeconds > 0 ? Double(progress.moved) / progress.elapsedSeconds : 0
        let eta = fraction > 0.001 ? progress.elapsedSeconds * (1 - fraction) / fraction : nil
        let line = "[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] "
            + "\(Int(fraction * 100))%  \(progress.scanned)/\(progress.total) looked at  "
            + "\(dryRun ? progress.matched : progress.moved) \(verb)  \(Int(rate))/s  ETA \(eta.map(Self.clock) ?? "-")"
        print("\r\u{1B}[2K" + line, terminator: "")
        fflush(nil)
        barShown = true
    }

    private static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600 ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }

    private func emit<Line: Encodable>(_ line: Line) {
        guard let data = try? encoder.encode(line) else { return }
        print(String(decoding: data, as: UTF8.self))
    }

    private struct MessageLine: Encodable {
        let event, id, type, context, kind, to: String
        let reason: String?

        init(event: String, letter: DeadLetter, reason: String?) {
            self.event = event
            id = letter.id
            type = letter.type
            context = letter.context
            kind = letter.kind
            to = letter.origin
            self.reason = reason
        }
    }

    private struct QueueLine: Encodable {
        var event = "queue"
        let context: String
        let queue: String
        let messages: Int
    }

    private struct SummaryLine: Encodable {
        var event = "summary"
        let dryRun: Bool
        let total: Int
        let scanned: Int
        let matched: Int
        let replayed: Int
        let failed: Int
        let elapsedSeconds: Double
        let perSecond: Double
        let interrupted: Bool
    }
}
