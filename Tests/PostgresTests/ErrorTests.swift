import Foundation
import XCTest
@testable import Postgres

final class ErrorTests: PostgresTestCase {
    func testUniqueViolationNamesTheConstraint() throws {
        try connection.execute("create table seats (flight text, seat text, constraint seats_once unique (flight, seat))")
        try connection.execute("insert into seats values ($1, $2)", "AF100", "12C")
        let error = expectError(PostgresError.self) {
            try connection.execute("insert into seats values ($1, $2)", "AF100", "12C")
        }
        guard let error else { return }
        XCTAssertTrue(error.isUniqueViolation)
        XCTAssertFalse(error.isRetryable)
        XCTAssertFalse(error.isConnectionLost)
        XCTAssertEqual(error.sqlState, "23505")
        XCTAssertEqual(error.constraint, "seats_once")
        XCTAssertEqual(error.table, "seats")
        XCTAssertEqual(error.detail, "Key (flight, seat)=(AF100, 12C) already exists.")
        XCTAssertEqual(error.statement, "insert into seats values ($1, $2)")
        let text = error.description
        XCTAssertTrue(text.contains("23505 (unique_violation)"), text)
        XCTAssertTrue(text.contains("duplicate key value violates unique constraint \"seats_once\""), text)
        XCTAssertTrue(text.contains("constraint: seats_once"), text)
        XCTAssertTrue(text.contains("statement: insert into seats values ($1, $2)"), text)
        // The connection carries on.
        XCTAssertEqual(try connection.query("select count(*) from seats").first!.decode(Int.self, at: 0), 1)
    }

    func testSyntaxErrorNamesTheStatementsFirstLine() throws {
        let error = expectError(PostgresError.self) {
            try connection.query("""
                selct id, name
                from flights
                where id = $1
                """, 1)
        }
        XCTAssertEqual(error?.sqlState, "42601")
        XCTAssertEqual(error?.statement, "selct id, name …")
        XCTAssertTrue(error?.description.contains("syntax error at or near \"selct\"") ?? false, "\(String(describing: error))")
        XCTAssertTrue(error?.description.contains("statement: selct id, name …") ?? false)
    }

    func testHintAndRaisedExceptions() throws {
        let error = expectError(PostgresError.self) {
            try connection.execute(script: "do $$ begin raise exception 'seat % taken', '12C' using errcode = 'P0001', detail = 'held by booking X', hint = 'pick another'; end $$")
        }
        XCTAssertEqual(error?.sqlState, "P0001")
        XCTAssertEqual(error?.message, "seat 12C taken")
        XCTAssertEqual(error?.detail, "held by booking X")
        XCTAssertEqual(error?.hint, "pick another")
        XCTAssertTrue(error?.description.contains("hint: pick another") ?? false)
    }

    func testClassification() {
        XCTAssertTrue(PostgresError(message: "x", sqlState: "40001").isRetryable)
        XCTAssertTrue(PostgresError(message: "x", sqlState: "40P01").isRetryable)
        XCTAssertTrue(PostgresError(message: "x", sqlState: "57P01").isConnectionLost)
        XCTAssertTrue(PostgresError(message: "x", sqlState: "08006").isConnectionLost)
        XCTAssertTrue(PostgresError(message: "x", connectionLost: true).isRetryable)
        XCTAssertFalse(PostgresError(message: "x", sqlState: "23505").isRetryable)
        XCTAssertFalse(PostgresError(message: "x", sqlState: "42601").isConnectionLost)
    }

    func testConnectFailureIsClearAndHidesThePassword() throws {
        let url = try TestServersURL.withPort(1, password: "hunter2")
        let error = expectError(PostgresError.self) { _ = try PostgresConnection(url, logger: .init(label: "t")) }
        guard let error else { return }
        XCTAssertTrue(error.isConnectionLost)
        XCTAssertTrue(error.description.contains("could not connect to postgres://"), error.description)
        XCTAssertTrue(error.description.contains(":***@"), error.description)
        XCTAssertFalse(error.description.contains("hunter2"), error.description)
    }

    func testScriptsAndAccidentalCopy() throws {
        try connection.execute(script: "create table a (id int); insert into a values (1); insert into a values (2);")
        XCTAssertEqual(try connection.query("select count(*) from a").first!.decode(Int.self, at: 0), 2)
        for copy in ["copy a to stdout", "copy a from stdin"] {
            let error = expectError(PostgresError.self) { try connection.execute(script: copy) }
            XCTAssertTrue(error?.message.contains("COPY") ?? false, "\(String(describing: error))")
            XCTAssertEqual(error?.statement, copy)
            XCTAssertEqual(try connection.query("select count(*) from a").first!.decode(Int.self, at: 0), 2, "usable after \(copy)")
        }
    }

    func testClosedConnectionThrows() throws {
        connection.close()
        connection.close()  // idempotent
        XCTAssertFalse(connection.isHealthy)
        let error = expectError(PostgresError.self) { try connection.query("select 1") }
        XCTAssertTrue(error?.message.contains("is closed") ?? false)
    }
}

enum TestServersURL {
    /// The test database's configuration with another port (nothing listens on 1) and a password.
    static func withPort(_ port: Int, password: String) throws -> PostgresConfiguration {
        var configuration = try PostgresTestCase.connect().configuration
        configuration.port = port
        configuration.password = password
        configuration.connectTimeout = 2
        return configuration
    }
}
