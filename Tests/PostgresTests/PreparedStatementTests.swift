import XCTest
@testable import Postgres

/// Statements with parameters are prepared once per session and executed by name after.
final class PreparedStatementTests: PostgresTestCase {
    private func preparedCount(of sql: String) throws -> Int {
        try connection.query("select count(*) from pg_prepared_statements where statement = $1", sql).first!.decode(Int.self, at: 0)
    }

    func testAStatementIsPreparedOnceAndReused() throws {
        try connection.execute(script: "create table items (id int primary key, name text)")
        let insert = "insert into items (id, name) values ($1, $2)"
        for id in 1...50 { try connection.execute(insert, id, "item \(id)") }
        XCTAssertEqual(try preparedCount(of: insert), 1)
        XCTAssertEqual(try connection.query("select count(*) from items").first!.decode(Int.self, at: 0), 50)
        // Strings and NULLs both go untyped, so they share the statement; a typed parameter makes another.
        try connection.execute(insert, 51, nil)
        XCTAssertEqual(try preparedCount(of: insert), 1)
        let echo = "select $1::text"
        XCTAssertEqual(try connection.query(echo, "a").first?[0], "a")
        XCTAssertEqual(try connection.query(echo, 7).first?[0], "7")
        XCTAssertEqual(try preparedCount(of: echo), 2)
    }

    func testAPlanInvalidatedByDDLIsPreparedAgain() throws {
        try connection.execute(script: "create table things (id int primary key)")
        let select = "select * from things where id = $1"
        try connection.execute("insert into things (id) values ($1)", 1)
        XCTAssertEqual(try connection.query(select, 1).columns, ["id"])

        // Outside a transaction the runtime prepares it again at once.
        try connection.execute(script: "alter table things add column name text")
        XCTAssertEqual(try connection.query(select, 1).columns, ["id", "name"])

        // Inside one the transaction is already aborted: the error surfaces, the next one works.
        try connection.execute(script: "alter table things add column size int")
        XCTAssertThrowsError(try connection.transaction { try connection.query(select, 1) }) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "0A000", "\(error)")
        }
        XCTAssertEqual(try connection.transaction { try connection.query(select, 1).columns }, ["id", "name", "size"])
    }

    func testANewSessionAfterReconnectPreparesAgain() throws {
        let select = "select $1::int + 1"
        XCTAssertEqual(try connection.query(select, 1).first!.decode(Int.self, at: 0), 2)
        let killer = try Self.connect()
        defer { killer.close() }
        try killer.query("select pg_terminate_backend($1)", connection.backendPID)
        let deadline = Date().addingTimeInterval(10)
        while (try? connection.query("select 1")) != nil, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        try connection.reconnect()
        try connection.execute(script: "set search_path to \(schema!)")
        XCTAssertEqual(try connection.query(select, 41).first!.decode(Int.self, at: 0), 42)
        XCTAssertEqual(try preparedCount(of: select), 1)
    }
}
