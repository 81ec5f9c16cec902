import Fleet
import FleetTestSupport
import Foundation
import Postgres
import XCTest

/// A context's read-ahead step loads, inside each attempt at a batch's transaction, the rows its
/// handlers would each read; a handler takes its row once, and a batch handled again reads ahead
/// anew, so no handler ever acts on a row older than the database's.
final class ReadAheadTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet() }
    override func tearDown() { fleet?.tearDown() }

    /// Every message adds one to its key's counter, reading it through the read-ahead when it is
    /// there; keys starting with `bad` fail for good after taking their row.
    private func context(log: ReadAheadLog) -> ContextDefinition {
        var registry = HandlerRegistry(context: "probe")
        registry.handle(ProbeRecord.self) { envelope, context in
            let key = envelope.data.key
            let transaction = try context.query("SELECT txid_current()").first!.decode(Int.self, at: 0)
            let ahead = context.readAhead.take(key, as: Int.self)
            log.handled(key, transaction: transaction, fromReadAhead: ahead != nil)
            let count = try ahead ?? context.query("SELECT n FROM counters WHERE key = $1 FOR UPDATE", key).first!.decode(Int.self, at: 0)
            if key.hasPrefix("bad") { throw HandlerError.permanent("\(key) fails after taking its row") }
            try context.write("UPDATE counters SET n = $2 WHERE key = $1 AND n = $3", parameters: [key, count + 1, count],
                              changingExactly: 1, otherwise: HandlerError.transient("\(key) was counted from a stale row"))
        }
        let keys = ["a", "b", "c", "bad"]
        return ContextDefinition(registry: registry, migrations: [
            Migration(version: 1, name: "counters", sql: """
                CREATE TABLE counters (key text PRIMARY KEY, n integer NOT NULL);
                INSERT INTO counters (key, n) VALUES \(keys.map { "('\($0)', 0)" }.joined(separator: ", "));
                """),
        ]).withReadAhead { db, batch, readAhead in
            let keys = batch.compactMap { $0.data(as: ProbeRecord.self)?.key }
            let transaction = try db.query("SELECT txid_current()").first!.decode(Int.self, at: 0)
            log.readAhead(keys.count, transaction: transaction)
            for row in try db.query("SELECT key, n FROM counters WHERE key = ANY($1) ORDER BY key FOR UPDATE", keys) {
                readAhead.put(try row.decode(Int.self, at: 1), for: try row.decode(String.self, at: 0))
            }
        }
    }

    func testHandlersTakeTheirRowsOnceAndABatchHandledAgainReadsAhead() throws {
        // Two messages for `a` in one batch: the second must see the first's count, not the row read ahead.
        let keys = ["a", "b", "a", "bad", "c"]
        _ = try fleet.publisher().publish(keys.map { try OutgoingMessage.make(ProbeRecord(key: $0), source: "t") })
        let log = ReadAheadLog()
        _ = try fleet.start(context(log: log), settings: ["AIRFLEET_BATCH_SIZE": "100"])
        let table = "\(fleet.schema("probe")).counters"
        try fleet.eventually("the good messages are counted") {
            try fleet.integer("SELECT coalesce(sum(n), 0) FROM \(table)") == 4
        }
        XCTAssertEqual(try fleet.integer("SELECT n FROM \(table) WHERE key = 'a'"), 2, "no count of a was lost")
        XCTAssertEqual(try fleet.integer("SELECT n FROM \(table) WHERE key = 'bad'"), 0)

        let (runs, handled) = log.snapshot()
        let readAheadTransactions = Set(runs.map(\.transaction))
        XCTAssertTrue(Set(handled.map(\.transaction)).isSubset(of: readAheadTransactions),
                      "every handler ran inside a transaction that read ahead")
        for transaction in readAheadTransactions {
            let takes = handled.filter { $0.transaction == transaction && $0.key == "a" }.map(\.fromReadAhead)
            XCTAssertEqual(takes, Array([true, false].prefix(takes.count)),
                           "in one transaction the first a took the row read ahead, a second one read the database")
        }
        // The failed message's batch-mates were handled again in a transaction of their own that read ahead anew.
        let failed = handled.filter { $0.key == "bad" }
        XCTAssertEqual(failed.count, 1, "a permanent failure is handled once")
        for mate in handled where mate.transaction == failed.first?.transaction && mate.key != "bad" {
            XCTAssertTrue(handled.contains { $0.key == mate.key && $0.transaction != mate.transaction && $0.fromReadAhead },
                          "\(mate.key) was handled again with a row read ahead in the new transaction")
        }
    }
}

/// What the read-ahead step and the handlers saw, including in transactions that rolled back.
final class ReadAheadLog: @unchecked Sendable {
    struct Run { let messages: Int, transaction: Int }
    struct Handled { let key: String, transaction: Int, fromReadAhead: Bool }

    private let lock = NSLock()
    private var runs: [Run] = []
    private var handledMessages: [Handled] = []

    func readAhead(_ messages: Int, transaction: Int) { lock.withLock { runs.append(Run(messages: messages, transaction: transaction)) } }

    func handled(_ key: String, transaction: Int, fromReadAhead: Bool) {
        lock.withLock { handledMessages.append(Handled(key: key, transaction: transaction, fromReadAhead: fromReadAhead)) }
    }

    func snapshot() -> ([Run], [Handled]) { lock.withLock { (runs, handledMessages) } }
}

final class BatchReadAheadTests: XCTestCase {
    func testARowIsTakenOnceAndPeekedAsOftenAsAsked() {
        let readAhead = BatchReadAhead()
        readAhead.put(7, for: "changed")
        readAhead.put("shared", for: "unchanged")
        XCTAssertNil(readAhead.take("changed", as: String.self), "a row of another type is not handed out")
        XCTAssertEqual(readAhead.take("changed", as: Int.self), 7)
        XCTAssertNil(readAhead.take("changed", as: Int.self), "a second handler reads the database")
        XCTAssertEqual(readAhead.peek("unchanged", as: String.self), "shared")
        XCTAssertEqual(readAhead.peek("unchanged", as: String.self), "shared")
    }
}
