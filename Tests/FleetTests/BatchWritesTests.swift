import Fleet
import FleetTestSupport
import Foundation
import Postgres
import XCTest

/// Writes queued with `HandlerContext.write` go to PostgreSQL together at the end of the batch,
/// yet each handler reads what it wrote, and a write that fails is its own message's failure.
final class BatchWritesTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet() }
    override func tearDown() { fleet?.tearDown() }

    /// A probe context whose handler queues its write; keys starting with `bad` break a CHECK,
    /// keys starting with `check` read their own row back through `database`, keys starting with
    /// `ride` through `query`, and keys starting with `guard` queue an UPDATE that must change a
    /// row it cannot find.
    private func context(attempts: AttemptLog, readBack: ReadBackLog) -> ContextDefinition {
        var registry = HandlerRegistry(context: "probe")
        registry.handle(ProbeRecord.self) { envelope, context in
            let key = envelope.data.key
            attempts.record(key, context.attempt, Date())
            try context.write("INSERT INTO written (key, attempt) VALUES ($1, $2)", key, context.attempt)
            if key.hasPrefix("check") {
                let rows = try context.database.query("SELECT count(*) FROM written WHERE key = $1", key)
                readBack.record(key, try rows.first?.decode(Int.self, at: 0) ?? -1)
            }
            if key.hasPrefix("ride") {
                let rows = try context.query("SELECT count(*) FROM written WHERE key = $1", key)
                readBack.record(key, try rows.first?.decode(Int.self, at: 0) ?? -1)
            }
            if key.hasPrefix("guard") {
                try context.write("UPDATE written SET attempt = attempt WHERE key = $1", parameters: ["no-such-\(key)"],
                                  changingExactly: 1, otherwise: HandlerError.transient("\(key) found no row to change"))
            }
        }
        return ContextDefinition(registry: registry, migrations: [
            Migration(version: 1, name: "written", sql: """
                CREATE TABLE written (key text PRIMARY KEY CHECK (key NOT LIKE 'bad%'), attempt integer NOT NULL);
                """),
        ])
    }

    func testAFailedQueuedWriteIsChargedToItsOwnMessageAndTheOthersCommitOnce() throws {
        var messages = try (0..<40).map { try OutgoingMessage.make(ProbeRecord(key: "good-\($0)"), source: "t") }
        messages.insert(try OutgoingMessage.make(ProbeRecord(key: "bad-1"), source: "t"), at: 17)
        messages.insert(try OutgoingMessage.make(ProbeRecord(key: "check-1"), source: "t"), at: 30)
        _ = try fleet.publisher().publish(messages)
        let attempts = AttemptLog()
        let readBack = ReadBackLog()
        _ = try fleet.start(context(attempts: attempts, readBack: readBack), settings: ["AIRFLEET_BATCH_SIZE": "100"])

        let written = "\(fleet.schema("probe")).written"
        try fleet.eventually("every good message is written") {
            try fleet.integer("SELECT count(*) FROM \(written)") == 41
        }
        try fleet.eventually("the bad message climbs the retry ladder", timeout: .seconds(10)) {
            attempts.entries(for: "bad-1").contains { $0.attempt >= 2 }
        }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(written) WHERE attempt <> 1"), 0,
                       "the good messages were written on their first delivery")
        for index in [0, 16, 17, 39] {
            XCTAssertFalse(attempts.entries(for: "good-\(index)").contains { $0.attempt > 1 }, "good-\(index) was never retried")
        }
        XCTAssertEqual(readBack.values(for: "check-1").last, 1, "the handler read the row it queued")
    }

    func testAReadRidesWithTheQueuedWritesAndAGuardedWriteThatChangesNothingFailsOnlyItsMessage() throws {
        var messages = try (0..<30).map { try OutgoingMessage.make(ProbeRecord(key: "good-\($0)"), source: "t") }
        messages.insert(try OutgoingMessage.make(ProbeRecord(key: "guard-1"), source: "t"), at: 10)
        messages.insert(try OutgoingMessage.make(ProbeRecord(key: "ride-1"), source: "t"), at: 20)
        _ = try fleet.publisher().publish(messages)
        let attempts = AttemptLog()
        let readBack = ReadBackLog()
        _ = try fleet.start(context(attempts: attempts, readBack: readBack), settings: ["AIRFLEET_BATCH_SIZE": "100"])

        let written = "\(fleet.schema("probe")).written"
        try fleet.eventually("every message but the guarded one is written") {
            try fleet.integer("SELECT count(*) FROM \(written)") == 31
        }
        try fleet.eventually("the guarded message climbs the retry ladder", timeout: .seconds(10)) {
            attempts.entries(for: "guard-1").contains { $0.attempt >= 2 }
        }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(written) WHERE key = 'guard-1'"), 0,
                       "the guarded message's own write went with its failure")
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(written) WHERE attempt <> 1"), 0)
        XCTAssertEqual(readBack.values(for: "ride-1").last, 1, "the read saw the write queued before it")
    }
}

/// What handlers read back, including reads in transactions that rolled back.
final class ReadBackLog: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [(key: String, count: Int)] = []

    func record(_ key: String, _ count: Int) { lock.withLock { all.append((key, count)) } }

    func values(for key: String) -> [Int] { lock.withLock { all.filter { $0.key == key }.map(\.count) } }
}
