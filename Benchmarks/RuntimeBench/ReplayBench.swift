import AMQP
import Fleet
import FleetTestSupport
import Foundation
import Logging

// Replay throughput: fills the probe context's dead-letter queue with N dead letters (published
// straight into it, with the headers the runtime writes), then times `airfleet dlq replay` sending
// them all back, as an operator runs it (JSON lines to a pipe). Repeated `runs` times.
// Usage: airfleet-bench replay [--messages N] [--runs R]   (AIRFLEET_AMQP_URL; the airfleet binary beside this one)

enum ReplayBench {
    static func run(messages: Int, runs: Int) throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let configuration = try FleetConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
        let topology = ProbeContexts.topology(settings: configuration.topology)
        let setup = try AMQPConnection(configuration.amqp, logger: logger)
        defer { setup.close() }
        let channel = try setup.openChannel()
        try topology.declare(on: channel)
        var rates: [Double] = []
        for run in 1...runs {
            for queue in [Topology.queue(of: "probe"), Topology.deadLetterQueue(of: "probe")] { try channel.purgeQueue(queue) }
            let filled = try fill(messages, amqp: configuration.amqp, logger: logger)
            let (elapsed, summary) = try replay()
            let replayed = summary["replayed"] as? Int ?? -1
            let inQueue = try channel.inspectQueue(Topology.queue(of: "probe"))?.messageCount ?? -1
            guard replayed == messages, inQueue == messages else {
                throw FleetError("run \(run): replayed \(replayed), \(inQueue) in airfleet.probe, expected \(messages)")
            }
            try channel.purgeQueue(Topology.queue(of: "probe"))
            let rate = Double(messages) / elapsed.seconds
            rates.append(rate)
            FileHandle.standardError.write(Data(String(format: "run %d: filled in %.1f s; replayed %d in %.2f s: %.0f msg/s (its own count: %.0f msg/s)\n",
                                                       run, filled.seconds, messages, elapsed.seconds, rate, summary["perSecond"] as? Double ?? 0).utf8))
        }
        let sorted = rates.sorted()
        print(String(format: "dlq replay, %d dead letters, %d runs: median %.0f msg/s (min %.0f, max %.0f)",
                     messages, runs, sorted[sorted.count / 2], sorted.first!, sorted.last!))
    }

    /// Publishes `count` dead letters of the probe context, in confirmed batches.
    static func fill(_ count: Int, amqp: AMQPConfiguration, logger: Logger) throws -> Duration {
        let started = ContinuousClock.now
        for start in stride(from: 0, to: count, by: 5000) {
            let batch = try (start..<min(start + 5000, count)).map { index in
                DeadLetterSeed.deadLetter(try OutgoingMessage.make(ProbeRecord(key: "k\(index)"), source: "bench"), context: "probe",
                                          kind: .retriesExhausted, error: "database connection refused", attempts: 3)
            }
            try DeadLetterSeed.publish(batch, amqp: amqp, logger: logger)
        }
        return ContinuousClock.now - started
    }

    /// Runs `airfleet dlq replay --context probe` and returns its wall time and summary line.
    static func replay() throws -> (Duration, [String: Any]) {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("airfleet")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw FleetError("\(binary.path) not found: build it first (swift build -c release)")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["dlq", "replay", "--context", "probe"]
        let output = Pipe()
        process.standardOutput = output
        let started = ContinuousClock.now
        try process.run()
        // Reading as it comes keeps the pipe from filling; only the last line matters.
        var last = Data()
        var pending = Data()
        while case let chunk = output.fileHandleForReading.availableData, !chunk.isEmpty {
            pending.append(chunk)
            if let newline = pending.lastIndex(of: UInt8(ascii: "\n")) {
                let lines = pending[..<newline]
                last = Data(lines.split(separator: UInt8(ascii: "\n")).last ?? last[...])
                pending = Data(pending[(newline + 1)...])
            }
        }
        process.waitUntilExit()
        let elapsed = ContinuousClock.now - started
        guard process.terminationStatus == 0 else { throw FleetError("airfleet dlq replay exited with \(process.terminationStatus)") }
        let summary = (try? JSONSerialization.jsonObject(with: last)) as? [String: Any] ?? [:]
        return (elapsed, summary)
    }
}
