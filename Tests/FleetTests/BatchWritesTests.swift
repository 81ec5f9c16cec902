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

    /// Publishes `count` good messages with the given others put in at their positions, starts the
    /// probe in batches of 100, and waits until `written` rows are there and the failing `key`
    /// has climbed the retry ladder.
    private func run(goods count: Int, inserting others: [(key: String, at: Int)], written: Int, failing key: String) throws
        -> (attempts: AttemptLog, readBack: ReadBackLog, table: String)
    {
        var messages = try (0..<count).map { try OutgoingMessage.make(ProbeRecord(key: "good-\($0)"), source: "t") }
        for other in others { messages.insert(try OutgoingMessage.make(ProbeRecord(key: other.key), source: "t"), at: other.at) }
        _ = try fleet.publisher().publish(messages)
        let attempts = AttemptLog()
        let readBack = ReadBackLog()
        _ = try fleet.start(context(attempts: attempts, readBack: readBack), settings: ["AIRFLEET_BATCH_SIZE": "100"])
        let table = "\(fleet.schema("probe")).written"
        try fleet.eventually("\(written) messages are written") { try fleet.integer("SELECT count(*) FROM \(table)") == written }
        try fleet.eventually("\(key) climbs the retry ladder", timeout: .seconds(10)) {
            attempts.entries(for: key).contains { $0.attempt >= 2 }
        }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(table) WHERE attempt <> 1"), 0,
                       "the good messages were written on their first delivery")
        return (attempts, readBack, table)
    }

    func testAFailedQueuedWriteIsChargedToItsOwnMessageAndTheOthersCommitOnce() throws {
        let (attempts, readBack, _) = try run(goods: 40, inserting: [("bad-1", 17), ("check-1", 30)], written: 41, failing: "bad-1")
        for index in [0, 16, 17, 39] {
            XCTAssertFalse(attempts.entries(for: "good-\(index)").contains { $0.attempt > 1 }, "good-\(index) was never retried")
        }
        XCTAssertEqual(readBack.values(for: "check-1").last, 1, "the handler read the row it queued")
    }

    func testAReadRidesWithTheQueuedWritesAndAGuardedWriteThatChangesNothingFailsOnlyItsMessage() throws {
        let (_, readBack, table) = try run(goods: 30, inserting: [("guard-1", 10), ("ride-1", 20)], written: 31, failing: "guard-1")
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(table) WHERE key = 'guard-1'"), 0,
                       "the guarded message's own write went with its failure")
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
