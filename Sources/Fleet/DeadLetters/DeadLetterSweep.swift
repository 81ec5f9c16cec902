import AMQP
import Foundation
import Logging

/// Goes through the dead-letter queues of some contexts once and does one thing with the
/// messages a filter takes: looks at them, removes them, or sends them back to the queue they
/// failed in. Messages the filter leaves stay where they are.
///
/// A replayed message is acknowledged in the dead letters only after the broker confirmed its
/// copy in the original queue, so an interruption at any point loses nothing. A message can
/// stay behind although replayed only when the process dies between that confirm and the
/// acknowledgement (or the broker drops the acknowledgement, see `DeadLetterQueueScan`); its
/// copy keeps the message id, so the context's inbox handles it once whichever arrives. Running
/// the same sweep again continues where the last one stopped.
///
/// Blocking, and used from one thread, like the AMQP connections it owns.
public final class DeadLetterSweep {
    private let amqp: AMQPConfiguration
    private let logger: Logger
    private let stop: StopSignal
    private let source: AMQPConnection
    private var sink: (connection: AMQPConnection, channel: AMQPChannel)?
    private var lastSinkService = ContinuousClock.now

    /// - Parameter stop: requested (by a signal handler, say), the sweep finishes the batch in
    ///   hand, gives back the rest and returns with `interrupted` set.
    public init(amqp: AMQPConfiguration, name: String, stop: StopSignal = StopSignal(), logger: Logger) throws {
        self.amqp = amqp.withConnectionName(name)
        self.logger = logger
        self.stop = stop
        source = try AMQPConnection(self.amqp, logger: logger)
    }

    public func close() {
        source.close()
        sink?.connection.close()
        sink = nil
    }

    /// The dead-letter queues of `contexts` and their message counts.
    public func count(contexts: [String]) throws -> [QueueCount] {
        let channel = try source.openChannel()
        defer { channel.close() }
        return try contexts.map { context in
            let queue = Topology.deadLetterQueue(of: context)
            return QueueCount(context: context, queue: queue, messages: try channel.inspectQueue(queue)?.messageCount)
        }
    }

    /// Runs the sweep over `queues` (missing ones are skipped) and returns the final counts.
    /// An error stops it; what it had not finished stays in the dead letters.
    public func run(_ queues: [QueueCount], action: Action, options: Options,
                    observe: @escaping (Event) throws -> Void) throws -> Progress {
        var pass = Pass(action: action, options: options, started: ContinuousClock.now, observe: observe)
        pass.progress.total = queues.compactMap(\.messages).reduce(0, +)
        for queue in queues {
            guard let messages = queue.messages, messages > 0 else { continue }
            guard !pass.isDone, !stop.isRequested else { break }
            try observe(.queueStarted(context: queue.context, queue: queue.queue, messages: messages))
            let scan = try DeadLetterQueueScan(connection: source, context: queue.context, expected: messages, prefetch: options.prefetch)
            do {
                try sweep(scan, &pass)
            } catch {
                try? scan.finish()
                throw error
            }
            try scan.finish()
        }
        pass.progress.interrupted = stop.isRequested
        pass.progress.elapsedSeconds = (ContinuousClock.now - pass.started).seconds
        try observe(.progress(pass.progress))
        return pass.progress
    }

    /// The state of one run across its queues.
    private struct Pass {
        let action: Action
        let options: Options
        let started: ContinuousClock.Instant
        let observe: (Event) throws -> Void
        var progress = Progress()
        /// Matching messages not yet published.
        var batch: [DeadLetter] = []
        /// Published batches waiting for their confirms, oldest first.
        var inFlight: [(letters: [DeadLetter], sequences: [UInt64])] = []
        var lastReport = ContinuousClock.now

        var unsettled: Int { batch.count + inFlight.reduce(0) { $0 + $1.letters.count } }
        /// Taken so far; a replay counts what waits for its confirms, not its failures.
        var taken: Int { action == .replay(dryRun: false) ? progress.moved + unsettled : progress.matched }
        var isDone: Bool { options.limit.map { taken >= $0 } ?? false }
    }

    private func sweep(_ scan: DeadLetterQueueScan, _ pass: inout Pass) throws {
        let idle = pass.options.idleTimeout.seconds
        while !pass.isDone, !stop.isRequested, !scan.isComplete {
            guard let delivery = try scan.next(timeout: pass.unsettled == 0 ? idle : 0) else {
                if pass.unsettled == 0 { break }
                try flush(scan, &pass)
                continue
            }
            pass.progress.scanned += 1
            try report(&pass)
            let letter = DeadLetter(delivery: delivery, context: scan.context)
            guard pass.options.filter.matches(letter) else { continue }
            switch pass.action {
            case .inspect:
                pass.progress.matched += 1
                try pass.observe(.letter(letter, .matched))
            case .remove:
                pass.progress.matched += 1
                try scan.remove([delivery])
                pass.progress.moved += 1
                try pass.observe(.letter(letter, .removed))
            case .replay(dryRun: true):
                pass.progress.matched += 1
                try pass.observe(.letter(letter, .wouldReplay))
            case .replay(dryRun: false):
                let wait = ReplayPacer(rate: pass.options.rate)
                    .delay(beforeMessage: pass.progress.moved + pass.unsettled, elapsed: ContinuousClock.now - pass.started)
                if wait > .zero {
                    try flush(scan, &pass)
                    try pause(wait)
                    // Stopped while waiting: this message stays, like every other not yet sent.
                    if stop.isRequested { continue }
                }
                pass.progress.matched += 1
                pass.batch.append(letter)
                if pass.isDone {
                    try flush(scan, &pass)
                } else if pass.batch.count >= pass.options.batchSize {
                    // The next batch is read and sent while the broker confirms this one.
                    try send(&pass)
                    try settle(scan, &pass, keeping: 1)
                }
            }
        }
        if stop.isRequested {
            // Asked to stop: what is published gets settled, what is not stays in the dead letters.
            pass.progress.matched -= pass.batch.count
            pass.batch = []
        }
        try flush(scan, &pass)
        try report(&pass, force: true)
    }

    /// Publishes what is batched and settles everything in flight.
    private func flush(_ scan: DeadLetterQueueScan, _ pass: inout Pass) throws {
        try send(&pass)
        try settle(scan, &pass, keeping: 0)
    }

    /// Publishes the batch without waiting for its confirms.
    private func send(_ pass: inout Pass) throws {
        guard !pass.batch.isEmpty else { return }
        let channel = try sinkChannel()
        let now = Date()
        var sequences: [UInt64] = []
        sequences.reserveCapacity(pass.batch.count)
        for (index, letter) in pass.batch.enumerated() {
            sequences.append(try channel.publish(letter.replayMessage(at: now)))
            // Read confirms as they come, so they never pile up unread in the socket.
            if index % 256 == 255 { try sink?.connection.serviceHeartbeats() }
        }
        pass.inFlight.append((pass.batch, sequences))
        pass.batch = []
    }

    /// Waits for the confirms of the oldest batches in flight until at most `keeping` remain,
    /// and removes from the dead letters what the broker confirmed.
    private func settle(_ scan: DeadLetterQueueScan, _ pass: inout Pass, keeping: Int) throws {
        while pass.inFlight.count > keeping {
            let (batch, sequences) = pass.inFlight.removeFirst()
            let outcomes = try sinkChannel().waitForConfirms(sequences, timeout: 60)
            lastSinkService = ContinuousClock.now
            try scan.remove(zip(batch, outcomes).filter { $0.1 == .confirmed }.map(\.0.delivery))
            try record(batch, outcomes, &pass)
        }
    }

    /// Counts and reports what the broker said about each message of a settled batch.
    private func record(_ batch: [DeadLetter], _ outcomes: [AMQPPublishOutcome], _ pass: inout Pass) throws {
        for (letter, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .confirmed:
                pass.progress.moved += 1
                try pass.observe(.letter(letter, .replayed))
            case .returned(let code, let text):
                pass.progress.failed += 1
                try pass.observe(.replayFailed(letter, reason: "no queue \(letter.origin) to take it (\(code) \(text)); run airfleet topology declare"))
            case .nacked:
                pass.progress.failed += 1
                try pass.observe(.replayFailed(letter, reason: "\(letter.origin) refused it (full, or the broker is short of resources); try again later"))
            }
        }
        try report(&pass)
    }

    /// Waits for the pacer, keeping both connections alive without reading deliveries.
    private func pause(_ duration: Duration) throws {
        let end = ContinuousClock.now + duration
        while !stop.isRequested, ContinuousClock.now < end {
            stop.sleep(min(end - ContinuousClock.now, .seconds(5)))
            try source.sendHeartbeat()
            try sink?.connection.serviceHeartbeats()
        }
    }

    private func report(_ pass: inout Pass, force: Bool = false) throws {
        let now = ContinuousClock.now
        if now - lastSinkService > .seconds(5), let sink {
            lastSinkService = now
            try sink.connection.serviceHeartbeats()
        }
        guard force || now - pass.lastReport >= .milliseconds(200) else { return }
        pass.lastReport = now
        pass.progress.elapsedSeconds = (now - pass.started).seconds
        try pass.observe(.progress(pass.progress))
    }

    private func sinkChannel() throws -> AMQPChannel {
        if let sink { return sink.channel }
        let connection = try AMQPConnection(amqp.withConnectionName("\(amqp.connectionName ?? "airfleet dlq") publish"), logger: logger)
        let channel = try connection.openChannel()
        try channel.enableConfirms()
        sink = (connection, channel)
        return channel
    }
}
