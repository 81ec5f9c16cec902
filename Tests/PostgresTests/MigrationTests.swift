import Foundation
import Logging
import XCTest
@testable import Postgres

final class MigrationTests: PostgresTestCase {
    private var runner: MigrationRunner { MigrationRunner(schema: schema, component: "flights", logger: Logger(label: "migrations")) }

    private let first = Migration(version: 1, name: "create_airports", sql: """
        -- Airports by IATA code; the time zone turns UTC times into local dates.
        create table airports (
            code text primary key check (code ~ '^[A-Z]{3}$'),
            time_zone text not null
        );
        insert into airports values ('CDG', 'Europe/Paris'), ('JFK', 'America/New_York');
        """)
    private let second = Migration(version: 2, name: "create_flights", sql: """
        create table flights (
            id uuid primary key,
            origin text not null references airports,
            note text default 'semi;colon'  -- a ; in a string and in a comment; do not split here
        );
        create function flights_count() returns bigint language sql as $$ select count(*) from flights; $$;
        create function flights_twice() returns bigint language sql
        begin atomic
            select case when true then 2 * flights_count() else 0 end;
        end;
        """)

    private func tableCount(_ name: String) throws -> Int {
        try connection.query("select count(*) from pg_tables where schemaname = $1 and tablename = $2", schema, name).first!.decode(Int.self, at: 0)
    }

    func testAppliesOnceThenNothing() throws {
        try connection.execute(script: "drop schema \(schema!)")  // the runner creates it
        XCTAssertEqual(try runner.appliedVersions(on: connection), [])
        XCTAssertEqual(try runner.migrate([second, first], on: connection), [1, 2])
        XCTAssertEqual(try runner.migrate([first, second], on: connection), [])
        XCTAssertEqual(try runner.appliedVersions(on: connection), [1, 2])
        XCTAssertEqual(try connection.query("select count(*) from \(schema!).airports").first!.decode(Int.self, at: 0), 2)
        XCTAssertEqual(try connection.query("select \(schema!).flights_twice()").first!.decode(Int.self, at: 0), 0)
        let recorded = try connection.query("select version, name, checksum, encode(sha256(convert_to($1, 'UTF8')), 'hex') from \(schema!).airfleet_migrations where component = 'flights' order by version", first.sql)
        XCTAssertEqual(try recorded.column(Int.self), [1, 2])
        XCTAssertEqual(try recorded.column(String.self, at: 1), ["create_airports", "create_flights"])
        XCTAssertEqual(recorded.first?[2], recorded.first?[3])
        XCTAssertEqual(recorded.first?[2]?.count, 64)
        // Another component in the same schema has its own history.
        let other = MigrationRunner(schema: schema, component: "bookings", logger: Logger(label: "m"))
        XCTAssertEqual(try other.migrate([Migration(version: 1, name: "x", sql: "create table bookings (id int)")], on: connection), [1])
        XCTAssertEqual(try runner.appliedVersions(on: connection), [1, 2])
        // The session's search_path is untouched (SET LOCAL ended with the transaction).
        XCTAssertEqual(try connection.query("show search_path").first?[0], schema)
    }

    func testChangedAppliedMigrationIsRefused() throws {
        XCTAssertEqual(try runner.migrate([first], on: connection), [1])
        let edited = Migration(version: 1, name: "create_airports", sql: first.sql + "\n-- tweak\n")
        let error = expectError(MigrationError.self) { _ = try runner.migrate([edited, second], on: connection) }
        guard let error else { return }
        XCTAssertEqual(error.migration, "0001_create_airports.sql")
        XCTAssertTrue(error.description.contains("flights migration 0001_create_airports.sql was changed after it was applied"), error.description)
        XCTAssertTrue(error.description.contains("applied checksum "), error.description)
        XCTAssertTrue(error.description.contains("file checksum "), error.description)
        XCTAssertEqual(try tableCount("flights"), 0, "nothing after the refused file may run")
    }

    func testNewMigrationIsAppliedOnTop() throws {
        XCTAssertEqual(try runner.migrate([first], on: connection), [1])
        XCTAssertEqual(try runner.migrate([first, second], on: connection), [2])
        let third = Migration(version: 3, name: "add_gate", sql: "alter table flights add column gate text")
        XCTAssertEqual(try runner.migrate([first, second, third], on: connection), [3])
        XCTAssertEqual(try runner.appliedVersions(on: connection), [1, 2, 3])
        // A new file numbered below an applied one is refused, not slipped in out of order.
        let late = Migration(version: 2_5, name: "late", sql: "select 1")
        let outOfOrder = Migration(version: 0, name: "zero", sql: "select 1")
        let error = expectError(MigrationError.self) { _ = try runner.migrate([outOfOrder, first, second, third, late], on: connection) }
        XCTAssertTrue(error?.description.contains("is new but version 3 is already applied") ?? false, "\(String(describing: error))")
    }

    func testFailingMigrationLeavesNothingBehind() throws {
        try connection.execute(script: "drop schema \(schema!)")
        let broken = Migration(version: 3, name: "broken", sql: """
            create table gates (id int primary key);
            insert into gates values (1);

            insert into gates values (1);
            create table never (id int);
            """)
        let error = expectError(MigrationError.self) { _ = try runner.migrate([first, second, broken], on: connection) }
        guard let error else { return }
        XCTAssertEqual(error.migration, "0003_broken.sql")
        XCTAssertTrue(error.underlying?.isUniqueViolation ?? false)
        XCTAssertTrue(error.description.contains("flights migration 0003_broken.sql, statement 3 of 4 (line 4): insert into gates values (1) failed"), error.description)
        XCTAssertTrue(error.description.contains("23505"), error.description)
        // The whole run rolled back: no schema, no table, no record.
        XCTAssertEqual(try connection.query("select count(*) from pg_namespace where nspname = $1", schema).first!.decode(Int.self, at: 0), 0)
        XCTAssertEqual(try runner.appliedVersions(on: connection), [])
    }

    func testMigrationMayNotControlTheTransaction() throws {
        let sneaky = Migration(version: 1, name: "sneaky", sql: "create table a (id int);\ncommit;\ncreate table b (id int);")
        let error = expectError(MigrationError.self) { _ = try runner.migrate([sneaky], on: connection) }
        XCTAssertTrue(error?.description.contains("statement 2 of 3 (line 2): commit") ?? false, "\(String(describing: error))")
        XCTAssertEqual(try tableCount("a"), 0)
    }

    func testInvalidNamesAreRefused() throws {
        for (schema, component) in [("Flights", "f"), ("f", "bad-name"), ("1x", "f"), ("x\"; drop", "f"), (String(repeating: "a", count: 64), "f")] {
            let bad = MigrationRunner(schema: schema, component: component, logger: Logger(label: "m"))
            let error = expectError(MigrationError.self) { _ = try bad.migrate([first], on: connection) }
            XCTAssertTrue(error?.description.contains("is not a lower-case identifier") ?? false, "\(String(describing: error))")
        }
        XCTAssertTrue(MigrationRunner.isIdentifier("_flights_2"))
        XCTAssertTrue(MigrationRunner.isIdentifier(String(repeating: "a", count: 63)))
    }

    func testTwoProcessesMigratingAtOnceApplyEachMigrationOnce() throws {
        try connection.execute(script: "drop schema \(schema!)")
        let migrations = [first, second] + (3...8).map {
            // Slow enough that the two runs overlap.
            Migration(version: $0, name: "step_\($0)", sql: "create table step_\($0) (id int); select pg_sleep(0.02);")
        }
        let results = Locked<[Result<[Int], Error>]>([])
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        let schema = self.schema!
        for index in 0..<2 {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                let outcome = Result { () throws -> [Int] in
                    let connection = try PostgresTestCase.connect()
                    defer { connection.close() }
                    start.wait()
                    return try MigrationRunner(schema: schema, component: "flights", logger: Logger(label: "m\(index)"))
                        .migrate(migrations, on: connection)
                }
                results.withValue { $0.append(outcome) }
            }
            thread.start()
        }
        start.signal()
        start.signal()
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        let applied = try results.withValue { $0 }.map { try $0.get() }
        XCTAssertEqual(applied.count, 2)
        XCTAssertEqual(applied.sorted { $0.count < $1.count }, [[], Array(1...8)], "one run applies everything, the other waits and finds nothing to do")
        let counts = try connection.query("select version, count(*) from \(schema).airfleet_migrations group by version order by version")
        XCTAssertEqual(try counts.column(Int.self), Array(1...8))
        XCTAssertEqual(try counts.column(Int.self, at: 1), Array(repeating: 1, count: 8))
        for table in ["airports", "flights", "step_3", "step_8"] {
            XCTAssertEqual(try tableCount(table), 1, table)
        }
    }
}
