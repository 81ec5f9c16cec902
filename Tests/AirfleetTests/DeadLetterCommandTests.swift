import AMQP
import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// `airfleet dlq`, run as a process against a test fleet whose probe context has dead letters.
final class DeadLetterCommandTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet() }
    override func tearDown() { fleet?.tearDown() }

    private let deadLetters = "airfleet.probe.dlq"
    private var records: String { "\(fleet.schema("probe")).records" }

    /// Seeds one dead letter of `type` per key and returns their message ids, in order.
    @discardableResult
    private func seed<M: Message>(_ keys: [String], _ make: (String) -> M, kind: FailureKind = .rejected,
                                  error: String = "refused on purpose", failedAt: Date = Date()) throws -> [String] {
        let messages = try keys.map { try OutgoingMessage.make(make($0), source: "t") }
        try DeadLetterSeed.publish(messages.map { DeadLetterSeed.deadLetter($0, context: "probe", kind: kind, error: error, failedAt: failedAt) },
                                   amqp: fleet.configuration.amqp, logger: fleet.logger)
        return messages.map(\.id)
    }

    private func dlq(_ arguments: [String]) throws -> Airfleet.Run {
        try Airfleet.run(["dlq"] + arguments, input: "", fleet: fleet)
    }

    private func jsonLines(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
        }
    }

    /// The ids in a queue, taken out of it.
    private func idsTaken(from queue: String) throws -> [String] {
        try fleet.drain(queue).compactMap(\.properties.messageId)
    }

    func testReplayMovesOnlyMatchingMessagesKeepingTheirIds() throws {
        let outage = try seed(["a", "b", "c"], { ProbeRecord(key: $0) }, kind: .retriesExhausted, error: "database connection refused")
        let other = try seed(["d", "e"], { ProbeRecord(key: $0) }, kind: .invalid, error: "data.key must not be empty")
        let rejected = try seed(["f"], { ProbeReject(key: $0) }, kind: .retriesExhausted, error: "database connection refused")

        let run = try dlq(["replay", "--context", "probe", "--type", "probe.record.*", "--reason", "CONNECTION REFUSED"])
        XCTAssertEqual(run.status, 0, run.errors)
        let lines = try jsonLines(run.output)
        XCTAssertEqual(Set(lines.filter { $0["event"] as? String == "replayed" }.compactMap { $0["id"] as? String }), Set(outage))
        let summary = try XCTUnwrap(lines.last)
        XCTAssertEqual(summary["event"] as? String, "summary")
        XCTAssertEqual(summary["replayed"] as? Int, 3)
        XCTAssertEqual(summary["scanned"] as? Int, 6)

        let replayed = try fleet.drain("airfleet.probe")
        XCTAssertEqual(Set(replayed.compactMap(\.properties.messageId)), Set(outage))
        for message in replayed {
            let headers = message.properties.headers
            XCTAssertEqual(headers[DeadLetterHeaders.replays]?.intValue, 1)
            XCTAssertNotNil(headers[DeadLetterHeaders.replayedAt])
            XCTAssertNil(headers[FailureHeaders.attempt], "attempts start afresh")
            XCTAssertNil(headers[FailureHeaders.error])
            XCTAssertEqual(headers[FailureHeaders.failures]?.arrayValue?.count, 1, "the history stays")
            XCTAssertEqual(message.properties.type, "probe.record.v1")
        }
        XCTAssertEqual(Set(try idsTaken(from: deadLetters)), Set(other + rejected), "the others stay")
    }

    func testADryRunMovesNothingAndReportsWhatWouldMove() throws {
        let matching = try seed(["a", "b"], { ProbeRecord(key: $0) })
        try seed(["c"], { ProbeReject(key: $0) })

        let run = try dlq(["replay", "--context", "probe", "--type", "probe.record.v1", "--dry-run"])
        XCTAssertEqual(run.status, 0, run.errors)
        let lines = try jsonLines(run.output)
        let would = lines.filter { $0["event"] as? String == "would-replay" }
        XCTAssertEqual(Set(would.compactMap { $0["id"] as? String }), Set(matching))
        XCTAssertEqual(Set(would.compactMap { $0["to"] as? String }), ["airfleet.probe"])
        XCTAssertEqual(lines.last?["dryRun"] as? Bool, true)
        XCTAssertEqual(lines.last?["matched"] as? Int, 2)
        XCTAssertEqual(lines.last?["replayed"] as? Int, 0)
        XCTAssertEqual(try fleet.queueState("airfleet.probe").messageCount, 0)
        XCTAssertEqual(try fleet.queueState(deadLetters).messageCount, 3)
    }

    func testTheRateIsHonoured() throws {
        try seed((0..<50).map { "k\($0)" }, { ProbeRecord(key: $0) })
        let run = try dlq(["replay", "--context", "probe", "--rate", "100/s"])
        XCTAssertEqual(run.status, 0, run.errors)
        let summary = try XCTUnwrap(try jsonLines(run.output).last)
        XCTAssertEqual(summary["replayed"] as? Int, 50)
        // The 50th message may leave 49/100 s after the first.
        let elapsed = try XCTUnwrap(summary["elapsedSeconds"] as? Double)
        XCTAssertGreaterThanOrEqual(elapsed, 0.45, "50 messages at 100/s")
        XCTAssertEqual(try fleet.queueState("airfleet.probe").messageCount, 50)
    }

    func testTheLimitIsExact() throws {
        try seed((0..<20).map { "k\($0)" }, { ProbeRecord(key: $0) })
        let run = try dlq(["replay", "--context", "probe", "--limit", "7", "--batch-size", "3"])
        XCTAssertEqual(run.status, 0, run.errors)
        XCTAssertEqual(try fleet.queueState("airfleet.probe").messageCount, 7)
        XCTAssertEqual(try fleet.queueState(deadLetters).messageCount, 13)
    }

    func testAReplayedMessageThatHadSucceededIsNotHandledAgain() throws {
        _ = try fleet.start(ProbeContexts.probe())
        // Handled once, yet dead-lettered anyway (say its consumer died before the ack, again and again).
        let handled = try OutgoingMessage.make(ProbeRecord(key: "handled"), source: "t")
        _ = try fleet.publisher().publish([handled])
        try fleet.eventually("it is handled") { try fleet.integer("SELECT count(*) FROM \(records) WHERE key = 'handled'") == 1 }
        let fresh = try OutgoingMessage.make(ProbeRecord(key: "fresh"), source: "t")
        try DeadLetterSeed.publish([handled, fresh].map { DeadLetterSeed.deadLetter($0, context: "probe", kind: .crashedConsumer) },
                                   amqp: fleet.configuration.amqp, logger: fleet.logger)

        let run = try dlq(["replay", "--context", "probe"])
        XCTAssertEqual(run.status, 0, run.errors)
        try fleet.eventually("the fresh one is handled") { try fleet.integer("SELECT count(*) FROM \(records) WHERE key = 'fresh'") == 1 }
        try fleet.eventually("the queue is empty") { try fleet.totalMessages("airfleet.probe") == 0 }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(records) WHERE key = 'handled'"), 1, "the inbox knew its id")
        XCTAssertEqual(try fleet.queueState(deadLetters).messageCount, 0)
    }

    func testAReplayKilledHalfWayThenRunAgainReplaysEveryMessageOnce() throws {
        _ = try fleet.start(ProbeContexts.probe())
        let keys = (0..<600).map { "k\($0)" }
        try seed(keys, { ProbeRecord(key: $0) }, kind: .retriesExhausted, error: "database connection refused")

        let replay = try Airfleet.start(["dlq", "replay", "--context", "probe", "--rate", "300/s", "--batch-size", "20"], fleet: fleet)
        try fleet.eventually("some are handled") { try fleet.integer("SELECT count(*) FROM \(records)") >= 150 }
        kill(replay.processIdentifier, SIGKILL)
        replay.waitUntilExit()
        XCTAssertEqual(replay.terminationReason, .uncaughtSignal)

        // Killed half-way: each message is handled (or on its way) or still dead; none twice.
        try fleet.eventually("what was replayed is handled, and the rest is dead again") {
            try fleet.queueState("airfleet.probe").messageCount == 0
                && fleet.queueState(deadLetters).messageCount + fleet.integer("SELECT count(*) FROM \(records)") >= keys.count
        }
        XCTAssertLessThan(try fleet.integer("SELECT count(*) FROM \(records)"), keys.count, "the replay was killed before the end")
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM (SELECT key FROM \(records) GROUP BY key HAVING count(*) > 1) twice"), 0)

        let rerun = try dlq(["replay", "--context", "probe"])
        XCTAssertEqual(rerun.status, 0, rerun.errors)
        try fleet.eventually("every message is handled") { try fleet.integer("SELECT count(DISTINCT key) FROM \(records)") == keys.count }
        try fleet.eventually("the queue is empty") { try fleet.totalMessages("airfleet.probe") == 0 }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(records)"), keys.count, "each once")
        XCTAssertEqual(try fleet.queueState(deadLetters).messageCount, 0)
    }

    func testSIGINTStopsAReplayAfterTheBatchInHandLosingAndDoublingNothing() throws {
        let keys = (0..<600).map { "k\($0)" }
        try seed(keys, { ProbeRecord(key: $0) })

        let replay = try Airfleet.start(["dlq", "replay", "--context", "probe", "--rate", "200/s", "--batch-size", "20"], fleet: fleet)
        try fleet.eventually("some are replayed") { try fleet.queueState("airfleet.probe").messageCount >= 100 }
        kill(replay.processIdentifier, SIGINT)
        let asked = ContinuousClock.now
        replay.waitUntilExit()
        XCTAssertLessThan(ContinuousClock.now - asked, .seconds(5), "a stop waits only for the batch in hand")
        XCTAssertEqual(replay.terminationReason, .exit)
        XCTAssertEqual(replay.terminationStatus, 130, "interrupted")

        // Stopped cleanly: every message is either replayed or still dead, never both.
        let replayed = try fleet.queueState("airfleet.probe").messageCount
        XCTAssertLessThan(replayed, keys.count, "stopped before the end")
        XCTAssertEqual(replayed + (try fleet.queueState(deadLetters).messageCount), keys.count)

        let rerun = try dlq(["replay", "--context", "probe"])
        XCTAssertEqual(rerun.status, 0, rerun.errors)
        XCTAssertEqual(try fleet.queueState("airfleet.probe").messageCount, keys.count)
        XCTAssertEqual(try fleet.queueState(deadLetters).messageCount, 0)
    }

    func testExportLeavesTheQueueAsItWas() throws {
        let matching = try seed(["a", "b"], { ProbeRecord(key: $0) }, error: "bad fare")
        let others = try seed(["c"], { ProbeReject(key: $0) })
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dlq-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }

        let run = try dlq(["export", "--context", "probe", "--reason", "fare", "--out", file.path])
        XCTAssertEqual(run.status, 0, run.errors)
        let lines = try jsonLines(try String(contentsOf: file, encoding: .utf8))
        XCTAssertEqual(lines.compactMap { $0["id"] as? String }, matching)
        XCTAssertEqual(lines.first?["error"] as? String, "bad fare")
        XCTAssertEqual(((lines.first?["body"] as? [String: Any])?["data"] as? [String: Any])?["key"] as? String, "a")
        XCTAssertEqual(Set(try idsTaken(from: deadLetters)), Set(matching + others), "every message is still there")
    }

    func testPurgeAsksForYesAndRemovesOnlyMatchingMessages() throws {
        let doomed = try seed(["a", "b"], { ProbeRecord(key: $0) }, kind: .invalid, error: "data.key must not be empty")
        let kept = try seed(["c", "d"], { ProbeRecord(key: $0) }, kind: .rejected, error: "refused")

        let asked = try dlq(["purge", "--context", "probe", "--reason", "invalid"])
        XCTAssertEqual(asked.status, 1)
        XCTAssertTrue(asked.errors.contains("would delete 2 dead letter(s)"), asked.errors)
        XCTAssertEqual(try fleet.queueState(deadLetters).messageCount, 4)

        let purged = try dlq(["purge", "--context", "probe", "--reason", "invalid", "--yes"])
        XCTAssertEqual(purged.status, 0, purged.errors)
        XCTAssertTrue(purged.output.contains("deleted 2 dead letter(s)"), purged.output)
        XCTAssertEqual(Set(try idsTaken(from: deadLetters)), Set(kept))
        XCTAssertFalse(kept.contains(doomed[0]))
    }

    func testListCountsByTypeAndReasonWithTheOldestAge() throws {
        try seed(["a", "b"], { ProbeRecord(key: $0) }, kind: .invalid, error: "data.key must not be empty", failedAt: Date() - 3600)
        try seed(["c"], { ProbeReject(key: $0) }, kind: .rejected)

        let run = try dlq(["list", "--context", "probe", "--json"])
        XCTAssertEqual(run.status, 0, run.errors)
        let groups = try jsonLines(run.output)
        XCTAssertEqual(groups.count, 2)
        let invalid = try XCTUnwrap(groups.first { $0["kind"] as? String == "invalid" })
        XCTAssertEqual(invalid["count"] as? Int, 2)
        XCTAssertEqual(invalid["type"] as? String, "probe.record.v1")
        XCTAssertEqual(invalid["queue"] as? String, deadLetters)
        let table = try dlq(["list", "--context", "probe", "--type", "probe.reject.*"])
        XCTAssertTrue(table.output.contains("probe.reject.v1"), table.output)
        XCTAssertFalse(table.output.contains("probe.record.v1"), table.output)
        XCTAssertTrue(table.output.contains("1 dead letter(s) match, of 3"), table.output)
        XCTAssertEqual(try fleet.queueState(deadLetters).messageCount, 3, "listing takes nothing")
    }

    func testShowPrintsTheWholeHistory() throws {
        let id = try XCTUnwrap(try seed(["a"], { ProbeRecord(key: $0) }, kind: .invalid, error: "data.key is odd").first)
        let run = try dlq(["show", id, "--context", "probe", "--json"])
        XCTAssertEqual(run.status, 0, run.errors)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        XCTAssertEqual(object["id"] as? String, id)
        XCTAssertEqual((object["failures"] as? [[String: Any]])?.first?["error"] as? String, "data.key is odd")
        let text = try dlq(["show", id, "--context", "probe"])
        XCTAssertTrue(text.output.contains("data.key is odd") && text.output.contains("replays to  airfleet.probe"), text.output)
        let missing = try dlq(["show", "no-such-id", "--context", "probe"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.errors.contains("no dead letter with id no-such-id"), missing.errors)
    }

    func testAnUnknownContextIsNamed() throws {
        let run = try dlq(["list", "--context", "nowhere"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.errors.contains("there is no queue airfleet.nowhere.dlq"), run.errors)
    }
}

extension Airfleet {
    /// Starts the airfleet binary with a test fleet's settings and returns at once.
    static func start(_ arguments: [String], fleet: TestFleet) throws -> Process {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if folder.pathExtension == "xctest" { folder.deleteLastPathComponent() }
        let process = Process()
        process.executableURL = folder.appendingPathComponent("airfleet")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(fleet.environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
