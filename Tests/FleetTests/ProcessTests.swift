import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// Real consumer processes started, stopped and killed: what survives a crash, a drain and
/// competition between processes.
final class ProcessTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet(["AIRFLEET_DELIVERY_LIMIT": "6", "AIRFLEET_CRASH_LIMIT": "2"]) }
    override func tearDown() { fleet?.tearDown() }

    private var probeRecords: String { "\(fleet.schema("probe")).records" }

    /// Publishes one record command per key; with `slowly`, each handler first sleeps that long.
    private func publishRecords(_ keys: [String], slowly milliseconds: Int? = nil) throws {
        let publisher = try fleet.publisher()
        defer { publisher.close() }
        for start in stride(from: 0, to: keys.count, by: 500) {
            let chunk = keys[start..<min(start + 500, keys.count)]
            _ = try publisher.publish(chunk.map { key in
                if let milliseconds { return try OutgoingMessage.make(ProbeSlow(key: key, milliseconds: milliseconds), source: "t") }
                return try OutgoingMessage.make(ProbeRecord(key: key), source: "t")
            })
        }
    }

    /// Every key recorded exactly once, none missing, none twice.
    private func assertEachRecordedOnce(_ keys: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let rows = try fleet.database().query("SELECT key, count(*) FROM \(probeRecords) GROUP BY key HAVING count(*) > 1")
        XCTAssertEqual(rows.count, 0, "keys recorded more than once", file: file, line: line)
        XCTAssertEqual(try fleet.integer("SELECT count(DISTINCT key) FROM \(probeRecords) WHERE key = ANY($1::text[])", keys),
                       keys.count, "keys recorded", file: file, line: line)
    }

    func testAMessageThatKillsItsConsumerEveryTimeIsDeadLetteredAndTheRestGoOn() throws {
        let before = (0..<20).map { "before-\($0)" }, after = (0..<20).map { "after-\($0)" }
        try publishRecords(before)
        let poison = try fleet.publisher().publish(ProbeCrash(key: "poison"))
        try publishRecords(after)

        // Act as the supervisor: restart the process each time it dies, until the queue is clear.
        var restarts = 0
        var process = try fleet.startProcess("probe")
        try fleet.eventually("the poison message is dead-lettered", timeout: .seconds(60)) {
            if !process.isRunning {
                restarts += 1
                XCTAssertLessThan(restarts, 10, "too many restarts:\n\(process.output)")
                process = try fleet.startProcess("probe")
            }
            return try fleet.queueState("airfleet.probe.dlq").messageCount == 1
        }
        try fleet.eventually("the others are handled") { try fleet.integer("SELECT count(*) FROM \(probeRecords)") == 40 }
        try assertEachRecordedOnce(before + after)
        XCTAssertGreaterThanOrEqual(restarts, 2, "the poison message should have killed the process more than once")
        let letter = try XCTUnwrap(fleet.drain("airfleet.probe.dlq").first)
        XCTAssertEqual(letter.properties.messageId, poison.id)
        let kind = letter.properties.headers[FailureHeaders.errorKind]?.stringValue
        // Either the runtime's own count of crashes or the broker's delivery limit stops it.
        XCTAssertTrue(kind == "crashed-consumer" || letter.properties.headers["x-death"] != nil, "\(letter.properties.headers)")
        XCTAssertTrue(process.isRunning, "the restarted process keeps running")
    }

    func testAProcessKilledAfterCommitPublishesWhatTheMessageEmittedWhenItComesBackExactlyOnce() throws {
        let tally = try fleet.startProcess("tally")
        let doomed = try fleet.startProcess("probe", settings: ["AIRFLEET_FAILPOINTS": "after-commit=kill"])
        _ = try fleet.publisher().publish(ProbeRecord(key: "committed"))

        guard let exit = doomed.waitForExit(timeout: .seconds(30)) else { return XCTFail("the failpoint did not fire:\n\(doomed.output)") }
        XCTAssertTrue(exit.signalled)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(probeRecords) WHERE key = 'committed'"), 1)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(fleet.schema("probe")).inbox WHERE emitted LIKE '%probe.recorded.v1%'"), 1,
                       "the event waits in the command's inbox row")
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(fleet.schema("tally")).tallies"), 0, "and was never published")
        XCTAssertEqual(try fleet.queueState("airfleet.probe").messageCount, 1, "the command is back in its queue")

        _ = try fleet.startProcess("probe")
        try fleet.eventually("the event reaches the tally") {
            try fleet.integer("SELECT count FROM \(fleet.schema("tally")).tallies WHERE key = 'committed'") == 1
        }
        try fleet.eventually("the redelivered command is acknowledged") { try fleet.totalMessages("airfleet.probe") == 0 }
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(probeRecords) WHERE key = 'committed'"), 1, "handled once")
        XCTAssertEqual(try fleet.integer("SELECT count FROM \(fleet.schema("tally")).tallies WHERE key = 'committed'"), 1, "counted once")
        XCTAssertTrue(tally.isRunning)
    }

    func testSIGTERMDrainsAndExitsZeroLosingAndDoublingNothing() throws {
        let keys = (0..<3000).map { "stream-\($0)" }
        try publishRecords(keys, slowly: 2)
        let first = try fleet.startProcess("probe")
        try fleet.eventually("the process is working", timeout: .seconds(30)) {
            try fleet.integer("SELECT count(*) FROM \(probeRecords)") > 200
        }
        first.terminate()
        guard let exit = first.waitForExit(timeout: .seconds(30)) else { return XCTFail("no exit after SIGTERM:\n\(first.output)") }
        XCTAssertEqual(exit.status, 0, first.output)
        XCTAssertFalse(exit.signalled)
        let doneByFirst = try fleet.integer("SELECT count(*) FROM \(probeRecords)")
        XCTAssertLessThan(doneByFirst, keys.count, "the stop came while messages were flowing")
        XCTAssertEqual(try fleet.queueState("airfleet.probe").messageCount, keys.count - doneByFirst, "what is left waits in the queue")

        _ = try fleet.startProcess("probe")
        try fleet.eventually("the second process finishes", timeout: .seconds(60)) {
            try fleet.integer("SELECT count(*) FROM \(probeRecords)") >= keys.count
        }
        try fleet.eventually("the queue is empty") { try fleet.totalMessages("airfleet.probe") == 0 }
        try assertEachRecordedOnce(keys)
    }

    func testTwoProcessesOnOneQueueHandleEachMessageExactlyOnce() throws {
        let one = try fleet.startProcess("probe"), two = try fleet.startProcess("probe")
        try fleet.eventually("both consume") { try fleet.queueState("airfleet.probe").consumerCount == 2 }
        let keys = (0..<4000).map { "shared-\($0)" }
        try publishRecords(keys)
        try fleet.eventually("all are handled", timeout: .seconds(90)) {
            try fleet.integer("SELECT count(*) FROM \(probeRecords)") >= keys.count
        }
        try fleet.eventually("the queue is empty") { try fleet.totalMessages("airfleet.probe") == 0 }
        try assertEachRecordedOnce(keys)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(probeRecords)"), keys.count)
        let pids = try fleet.database().query("SELECT DISTINCT pid FROM \(probeRecords)").map { try $0.decode(Int.self, at: 0) }
        XCTAssertEqual(Set(pids), Set([Int(one.pid), Int(two.pid)]), "both processes took a share")
    }
}
