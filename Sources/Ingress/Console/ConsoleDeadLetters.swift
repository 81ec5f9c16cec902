import AMQP
import Dispatch
import Fleet
import Foundation
import Logging

/// The console's dead-letter work: the sweeps `airfleet dlq` runs, each on a connection of its
/// own, one at a time on a thread of their own (a sweep blocks, and two sweeps of one queue
/// would each see only part of it).
final class ConsoleDeadLetters: Sendable {
    private let amqp: AMQPConfiguration
    private let contexts: [String]
    private let logger: Logger
    private let queue = DispatchQueue(label: "airfleet.console.dead-letters")

    init(amqp: AMQPConfiguration, contexts: [String], logger: Logger) {
        self.amqp = amqp
        self.contexts = contexts
        self.logger = logger
    }

    /// What names a group of `dlq list`: a context, a type and a reason (the error kind).
    struct Key: Hashable, Sendable {
        var context: String
        var type: String
        var kind: String
    }

    /// One group of `dlq list`, with its newest message's time.
    struct Group: Sendable {
        var summary: DeadLetterSummary.Group
        var newestFailedAt: Date?
    }

    /// The groups of every context's dead letters, and how many messages the queues hold.
    func groups() async throws -> (groups: [Group], held: Int) {
        try await sweep("airfleet console dlq list") { sweep in
            let queues = try sweep.count(contexts: self.contexts)
            var summary = DeadLetterSummary()
            var newest: [Key: Date] = [:]
            _ = try sweep.run(queues, action: .inspect, options: .init()) { event in
                guard case .letter(let letter, _) = event else { return }
                summary.add(letter)
                let key = Key(context: letter.context, type: letter.type, kind: letter.kind)
                if let failedAt = letter.failedAt, newest[key].map({ failedAt > $0 }) ?? true { newest[key] = failedAt }
            }
            let groups = summary.sortedGroups.map { group in
                Group(summary: group, newestFailedAt: newest[.init(context: group.context, type: group.type, kind: group.kind)])
            }
            return (groups, queues.compactMap(\.messages).reduce(0, +))
        }
    }

    /// The messages of one group, oldest first, at most `limit`.
    func letters(of key: Key, limit: Int = 200) async throws -> [DeadLetter] {
        try await sweep("airfleet console dlq show") { sweep in
            var found: [DeadLetter] = []
            _ = try sweep.run(try self.queues(of: key.context, sweep), action: .inspect, options: .init(filter: Self.filter(key))) { event in
                if case .letter(let letter, _) = event, Self.belongs(letter, to: key), found.count < limit { found.append(letter) }
            }
            return found.sorted { ($0.failedAt ?? .distantPast) < ($1.failedAt ?? .distantPast) }
        }
    }

    /// The dead letter `id` of `context`, as `dlq show` finds it.
    func letter(_ id: String, context: String) async throws -> DeadLetter? {
        try await sweep("airfleet console dlq show") { sweep in
            var found: DeadLetter?
            _ = try sweep.run(try self.queues(of: context, sweep), action: .inspect,
                              options: .init(filter: DeadLetterFilter(ids: [id]))) { event in
                if case .letter(let letter, _) = event { found = letter }
            }
            return found
        }
    }

    /// Replays (or with `dryRun` counts) the group's messages, as `dlq replay --id …` does with
    /// the ids the group holds now.
    func replay(_ key: Key, dryRun: Bool) async throws -> Outcome {
        try await act(on: key, action: .replay(dryRun: dryRun), name: "airfleet console dlq replay")
    }

    /// Deletes (or with `dryRun` counts) the group's messages, as `dlq purge --yes` does.
    func purge(_ key: Key, dryRun: Bool) async throws -> Outcome {
        try await act(on: key, action: dryRun ? .inspect : .remove, name: "airfleet console dlq purge")
    }

    /// What a replay or purge did: how many messages of the group it found, and moved (replayed and
    /// confirmed, or deleted); a dry run moves none.
    struct Outcome: Sendable {
        var matched = 0
        var moved = 0
        var failed = 0
    }

    /// The group's ids are read first and the action takes exactly those, so that a message that
    /// only looks like the group's (the same type, another reason) stays.
    private func act(on key: Key, action: DeadLetterSweep.Action, name: String) async throws -> Outcome {
        try await sweep(name) { sweep in
            let queues = try self.queues(of: key.context, sweep)
            var ids: Set<String> = []
            _ = try sweep.run(queues, action: .inspect, options: .init(filter: Self.filter(key))) { event in
                if case .letter(let letter, _) = event, Self.belongs(letter, to: key) { ids.insert(letter.id) }
            }
            guard !ids.isEmpty else { return Outcome() }
            let progress = try sweep.run(try self.queues(of: key.context, sweep), action: action,
                                         options: .init(filter: DeadLetterFilter(ids: ids))) { _ in }
            return Outcome(matched: progress.matched, moved: progress.moved, failed: progress.failed)
        }
    }

    /// Narrows the sweep to the group's type; `belongs` then checks the whole key, since a type
    /// may hold the filter's `*` and the reason is not among the filter's fields.
    private static func filter(_ key: Key) -> DeadLetterFilter {
        DeadLetterFilter(types: [key.type])
    }

    private static func belongs(_ letter: DeadLetter, to key: Key) -> Bool {
        letter.type == key.type && letter.kind == key.kind
    }

    private func queues(of context: String, _ sweep: DeadLetterSweep) throws -> [DeadLetterSweep.QueueCount] {
        guard contexts.contains(context) else { throw ConsoleError("'\(context)' is not a context of this fleet") }
        return try sweep.count(contexts: [context])
    }

    private func sweep<T: Sendable>(_ name: String, _ work: @escaping @Sendable (DeadLetterSweep) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    let sweep = try DeadLetterSweep(amqp: self.amqp, name: name, logger: self.logger)
                    defer { sweep.close() }
                    return try work(sweep)
                })
            }
        }
    }
}

/// A failure the console shows to the operator as it is.
struct ConsoleError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
