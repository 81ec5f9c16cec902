import AMQP
import ArgumentParser
import Fleet
import Foundation

struct DeadLetterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Look at, replay, export or purge the dead letters of the fleet's contexts.",
        discussion: """
            Each context's dead letters wait in airfleet.<context>.dlq with why they failed. Every \
            subcommand goes through the queues once and leaves what its filters do not take where it \
            was; a message it looks at is delivered to it and given back, so an interrupted command \
            loses nothing.
            """,
        subcommands: [List.self, Show.self, DeadLetterReplayCommand.self, DeadLetterExportCommand.self, DeadLetterPurgeCommand.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count dead letters by context, type and reason, with the oldest one's age.")

        @OptionGroup var selection: DeadLetterSelection

        @Flag(help: "One JSON object per group, for scripts.")
        var json = false

        func run() throws {
            let configuration = try Environment.load()
            let sweep = try DeadLetterSweep(amqp: configuration.amqp, name: "airfleet dlq list", logger: Environment.logger)
            defer { sweep.close() }
            let queues = try selection.queues(sweep)
            var summary = DeadLetterSummary()
            _ = try sweep.run(queues, action: .inspect, options: .init(filter: try selection.filter())) { event in
                if case .letter(let letter, _) = event { summary.add(letter) }
            }
            let now = Date()
            if json {
                let encoder = FleetJSON.encoder()
                encoder.outputFormatting.insert(.sortedKeys)
                for group in summary.sortedGroups { print(String(decoding: try encoder.encode(group), as: UTF8.self)) }
                return
            }
            let held = queues.compactMap(\.messages).reduce(0, +)
            guard summary.total > 0 else {
                print(held == 0 ? "no dead letters" : "no dead letters match (\(held) in \(queues.filter { ($0.messages ?? 0) > 0 }.count) queue(s) in all)")
                return
            }
            let rows = summary.sortedGroups.map { group in
                [group.context, group.queue, group.type, group.kind, String(group.count),
                 group.oldestAge(now: now).map(formatAge) ?? "-", String(group.example.prefix(72))]
            }
            print(TextTable.render(header: ["context", "queue", "type", "reason", "count", "oldest", "example error"],
                                   rows: rows, rightAligned: [4, 5]))
            print("\n\(summary.total) dead letter(s) match, of \(held) in the queues looked at")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a dead letter: its failure history, properties, headers and body.")

        @Argument(help: "The message id.")
        var id: String

        @Option(name: .customLong("context"), help: "Look only in this context's dead letters (repeatable).")
        var contexts: [String] = []

        @Flag(help: "Print it as JSON (the form dlq export writes).")
        var json = false

        func run() throws {
            let configuration = try Environment.load()
            let sweep = try DeadLetterSweep(amqp: configuration.amqp, name: "airfleet dlq show", logger: Environment.logger)
            defer { sweep.close() }
            let queues = try DeadLetterSelection.queues(of: contexts, sweep)
            var found: [DeadLetter] = []
            _ = try sweep.run(queues, action: .inspect, options: .init(filter: DeadLetterFilter(ids: [id]))) { event in
                if case .letter(let letter, _) = event { found.append(letter) }
            }
            guard !found.isEmpty else {
                throw CommandFailure("no dead letter with id \(id) in \(queues.filter { $0.messages != nil }.map(\.queue).joined(separator: ", "))")
            }
            for letter in found {
                if json {
                    let data = try JSONSerialization.data(withJSONObject: letter.jsonObject(),
                                                          options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print(DeadLetterText.describe(letter, now: Date()))
                }
            }
        }
    }
}

/// The filters every `dlq` subcommand takes.
struct DeadLetterSelection: ParsableArguments {
    @Option(name: .customLong("context"), help: "Only this context's dead letters (repeatable; default: every context).")
    var contexts: [String] = []

    @Option(name: .customLong("type"), help: "Only this message type; * stands for any text, as in seats.* (repeatable).")
    var types: [String] = []

    @Option(help: "Only messages whose error or error kind contains this text, in any case.")
    var reason: String?

    @Option(help: "Only messages that failed at or after this time: 2026-11-23T04:00:00Z, 2026-11-23, or a span back from now such as 90m, 2h, 3d.")
    var since: String?

    @Option(help: "Only messages that failed before this time (the forms of --since).")
    var until: String?

    @Option(name: .customLong("id"), help: "Only the message with this id (repeatable).")
    var ids: [String] = []

    func filter(now: Date = Date()) throws -> DeadLetterFilter {
        do {
            return DeadLetterFilter(types: types, reason: reason,
                                    since: try since.map { try DeadLetterFilter.parseTime($0, option: "--since", now: now) },
                                    until: try until.map { try DeadLetterFilter.parseTime($0, option: "--until", now: now) },
                                    ids: Set(ids))
        } catch {
            throw CommandFailure("\(error)")
        }
    }

    /// The dead-letter queues to go through: those of the named contexts, each of which must
    /// exist, or those of every context known here that exist on the broker.
    func queues(_ sweep: DeadLetterSweep) throws -> [DeadLetterSweep.QueueCount] {
        try Self.queues(of: contexts, sweep)
    }

    static func queues(of contexts: [String], _ sweep: DeadLetterSweep) throws -> [DeadLetterSweep.QueueCount] {
        let known = try Contexts.names()
        let queues = try sweep.count(contexts: contexts.isEmpty ? known : contexts)
        if !contexts.isEmpty, let missing = queues.first(where: { $0.messages == nil }) {
            throw CommandFailure("there is no queue \(missing.queue) on the broker: '\(missing.context)' is not a context here (known: \(known.joined(separator: ", "))), or the topology was never declared (airfleet topology declare)")
        }
        return queues
    }
}

/// "42s", "17m", "5h", "3d".
func formatAge(_ seconds: Int) -> String {
    seconds < 120 ? "\(seconds)s" : seconds < 7200 ? "\(seconds / 60)m" : seconds < 172_800 ? "\(seconds / 3600)h" : "\(seconds / 86_400)d"
}
