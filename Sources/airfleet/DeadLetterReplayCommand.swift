import ArgumentParser
import Fleet
import Foundation

struct DeadLetterReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Send matching dead letters back to the queue they failed in.",
        discussion: """
            A message leaves the dead letters only once the broker confirmed its copy in the original \
            queue. It keeps its message id, so the context's inbox still refuses a message that had in \
            fact been handled; its attempt and delivery counts start afresh, and it carries \
            x-airfleet-replays and x-airfleet-replayed-at. Messages that do not match stay. Interrupted \
            at any moment (Ctrl-C, a killed process, a broker restart), it loses nothing; the same \
            command run again continues. On a terminal it shows its progress; otherwise it prints one \
            JSON object per message and a summary line.
            """)

    @OptionGroup var selection: DeadLetterSelection

    @Option(help: "Replay at most this many messages.")
    var limit: Int?

    @Option(help: "At most this many messages per second (100/s, 500/m, 2000/h).")
    var rate: String?

    @Flag(help: "Move nothing; report what would be replayed.")
    var dryRun = false

    @Flag(help: "JSON lines even on a terminal.")
    var json = false

    @Option(help: "Messages confirmed by the broker at once.")
    var batchSize = 500

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more") }
        guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be from 1 to 10000") }
    }

    func run() async throws {
        try await StoppableWork.run("airfleet dlq replay") { stop in try replay(stop: stop) }
    }

    private func replay(stop: StopSignal) throws {
        let rate = try rate.map { text in
            do { return try ReplayRate(parsing: text) } catch { throw CommandFailure("\(error)") }
        }
        let configuration = try Environment.load()
        let sweep = try DeadLetterSweep(amqp: configuration.amqp, name: "airfleet dlq replay", stop: stop,
                                        logger: Environment.logger)
        defer { sweep.close() }
        let queues = try selection.queues(sweep)
        let report = SweepReport(verb: dryRun ? "would replay" : "replayed", dryRun: dryRun, limit: limit,
                                 style: json || isatty(STDOUT_FILENO) == 0 ? .jsonLines : .progressBar)
        let options = DeadLetterSweep.Options(filter: try selection.filter(), limit: limit, rate: rate, batchSize: batchSize)
        let progress: DeadLetterSweep.Progress
        do {
            progress = try sweep.run(queues, action: .replay(dryRun: dryRun), options: options, observe: report.observe)
        } catch {
            report.end()
            throw CommandFailure("replay stopped: \(error)\nNothing is lost: every message not yet confirmed in its queue is still in the dead letters. Run the same command again to continue.")
        }
        report.finish(progress)
        if progress.interrupted { throw ExitCode(130) }
        if progress.failed > 0 { throw ExitCode.failure }
    }
}

struct DeadLetterExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write matching dead letters to a JSON Lines file; the queues stay as they were.",
        discussion: "Each line is what dlq show --json prints: the failure, the AMQP properties and headers, and the body.")

    @OptionGroup var selection: DeadLetterSelection

    @Option(help: "The file to write (FILE.jsonl), or - for standard output.")
    var out: String

    func run() async throws {
        try await StoppableWork.run("airfleet dlq export") { stop in try export(stop: stop) }
    }

    private func export(stop: StopSignal) throws {
        let configuration = try Environment.load()
        let sweep = try DeadLetterSweep(amqp: configuration.amqp, name: "airfleet dlq export", stop: stop,
                                        logger: Environment.logger)
        defer { sweep.close() }
        let queues = try selection.queues(sweep)
        let target = out == "-" ? nil : URL(fileURLWithPath: out)
        // Written beside the file and renamed at the end, so a file of that name is always whole.
        let partial = target.map { $0.deletingLastPathComponent().appendingPathComponent(".\($0.lastPathComponent).partial") }
        let handle: FileHandle
        if let partial {
            guard FileManager.default.createFile(atPath: partial.path, contents: nil) else {
                throw CommandFailure("cannot write \(partial.path): check that the folder exists and is writable")
            }
            handle = try FileHandle(forWritingTo: partial)
        } else {
            handle = FileHandle.standardOutput
        }
        let newline = Data("\n".utf8)
        let progress = try sweep.run(queues, action: .inspect, options: .init(filter: try selection.filter())) { event in
            guard case .letter(let letter, _) = event else { return }
            try handle.write(contentsOf: try letter.jsonLine() + newline)
        }
        guard let target, let partial else { return }
        try handle.close()
        if progress.interrupted {
            try? FileManager.default.removeItem(at: partial)
            throw CommandFailure("interrupted; nothing written (the queues are as they were)")
        }
        _ = try? FileManager.default.removeItem(at: target)
        try FileManager.default.moveItem(at: partial, to: target)
        printError("exported \(progress.matched) dead letter(s) to \(target.path); the queues are as they were")
    }
}

struct DeadLetterPurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete matching dead letters for good (asks for --yes).",
        discussion: "Without --yes it only counts what would go. Messages that do not match stay. Consider dlq export first.")

    @OptionGroup var selection: DeadLetterSelection

    @Flag(help: "Really delete them.")
    var yes = false

    func run() async throws {
        try await StoppableWork.run("airfleet dlq purge") { stop in try purge(stop: stop) }
    }

    private func purge(stop: StopSignal) throws {
        let configuration = try Environment.load()
        let sweep = try DeadLetterSweep(amqp: configuration.amqp, name: "airfleet dlq purge", stop: stop,
                                        logger: Environment.logger)
        defer { sweep.close() }
        let queues = try selection.queues(sweep)
        let progress = try sweep.run(queues, action: yes ? .remove : .inspect, options: .init(filter: try selection.filter())) { _ in }
        guard yes else {
            throw CommandFailure("would delete \(progress.matched) dead letter(s) (of \(progress.scanned) looked at); nothing was deleted. Run again with --yes to delete them.")
        }
        print("deleted \(progress.moved) dead letter(s) (of \(progress.scanned) looked at)\(progress.interrupted ? "; interrupted, the rest stay" : "")")
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
