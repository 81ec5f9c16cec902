import Foundation
import XCTest
@testable import Postgres

/// Migration.load and the statement splitter: no server.
final class MigrationLoadTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: folder)
    }

    private func write(_ name: String, _ text: String = "select 1;") throws {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func testLoadsSortedByVersion() throws {
        try write("0010_add_gate.sql", "alter table flights add gate text;")
        try write("0002_create_flights.sql", "create table flights (id int);")
        try write("0001_create_airports.sql", "create table airports (code text);")
        try write("README.md", "not a migration")
        try write(".0003_hidden.sql")
        let migrations = try Migration.load(from: folder)
        XCTAssertEqual(migrations.map(\.version), [1, 2, 10])
        XCTAssertEqual(migrations.map(\.name), ["create_airports", "create_flights", "add_gate"])
        XCTAssertEqual(migrations[0], Migration(version: 1, name: "create_airports", sql: "create table airports (code text);"))
        XCTAssertEqual(migrations[2].fileName, "0010_add_gate.sql")
    }

    func testRejectsFileWithoutVersion() throws {
        try write("0001_ok.sql")
        try write("create_things.sql")
        XCTAssertThrowsError(try Migration.load(from: folder)) { error in
            XCTAssertTrue("\(error)".contains("migration file name 'create_things.sql'"), "\(error)")
            XCTAssertTrue("\(error)".contains("NNNN_name.sql"), "\(error)")
        }
    }

    func testRejectsVersionWithoutName() throws {
        try write("0001.sql")
        XCTAssertThrowsError(try Migration.load(from: folder)) { XCTAssertTrue("\($0)".contains("'0001.sql'"), "\($0)") }
    }

    func testRejectsTwoFilesWithOneVersion() throws {
        try write("0001_first.sql")
        try write("1_second.sql")
        XCTAssertThrowsError(try Migration.load(from: folder)) { error in
            XCTAssertTrue("\(error)".contains("'0001_first.sql' and '1_second.sql'"), "\(error)")
            XCTAssertTrue("\(error)".contains("both have version 1"), "\(error)")
        }
    }

    func testMissingFolder() {
        XCTAssertThrowsError(try Migration.load(from: folder.appendingPathComponent("nope"))) {
            XCTAssertTrue("\($0)".contains("cannot list migrations in"), "\($0)")
        }
    }

    func testSplitterKeepsQuotedSemicolonsAndRoutineBodies() {
        let script = """
            -- leading comment; not a statement
            create table t (a text default 'x;y', "odd;name" int);
            /* block ; /* nested ; */ still comment */
            insert into t (a) values (E'it\\'s;fine'), ('it''s;fine too');
            do $body$ begin perform 1; perform 2; end $body$;
            create or replace procedure p() language sql
            begin atomic
              insert into t (a) values ('p');
              select case when true then 1 else 2 end;
            end;
            select $1 ; select a$b from t
            """
        let statements = SQLScript.split(script)
        XCTAssertEqual(statements.map(\.keyword), ["create", "insert", "do", "create", "select", "select"])
        XCTAssertEqual(statements.map(\.line), [2, 4, 5, 6, 11, 11])
        XCTAssertEqual(statements[0].firstLine, "create table t (a text default 'x;y', \"odd;name\" int)")
        XCTAssertTrue(statements[3].text.hasSuffix("end"), statements[3].text)
        XCTAssertEqual(statements[3].firstLine, "create or replace procedure p() language sql …")
        XCTAssertEqual(statements[5].text, " select a$b from t")
        XCTAssertEqual(SQLScript.split("  -- only a comment\n /* and another */ ;; \n").count, 0)
        XCTAssertEqual(SQLScript.split("begin; commit").map(\.keyword), ["begin", "commit"])
    }
}
