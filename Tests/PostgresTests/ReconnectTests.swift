import Foundation
import XCTest
@testable import Postgres

final class ReconnectTests: PostgresTestCase {
    func testTerminatedBackendIsReportedAndReconnectWorks() throws {
        try connection.execute("create table kept (id int)")
        try connection.execute("insert into kept values (1)")
        let victim = try connection.query("select pg_backend_pid()").first!.decode(Int32.self, at: 0)
        XCTAssertEqual(victim, connection.backendPID)

        let killer = try Self.connect()
        defer { killer.close() }
        XCTAssertEqual(try killer.query("select pg_terminate_backend($1)", victim).first!.decode(Bool.self, at: 0), true)
        // Termination is asynchronous: wait until the backend is gone.
        let deadline = Date().addingTimeInterval(10)
        while try killer.query("select count(*) from pg_stat_activity where pid = $1", victim).first!.decode(Int.self, at: 0) > 0 {
            XCTAssertLessThan(Date(), deadline, "backend \(victim) did not exit")
            Thread.sleep(forTimeInterval: 0.02)
        }

        let error = expectError(PostgresError.self) { try connection.query("select 1") }
        XCTAssertTrue(error?.isConnectionLost ?? false, "\(String(describing: error))")
        XCTAssertTrue(error?.isRetryable ?? false)
        XCTAssertFalse(connection.isHealthy)

        try connection.reconnect()
        XCTAssertTrue(connection.isHealthy)
        XCTAssertNotEqual(connection.backendPID, victim)
        // Session settings are back; session state such as search_path is not.
        XCTAssertEqual(try connection.query("show timezone").first?[0], "UTC")
        XCTAssertEqual(try connection.query("show application_name").first?[0], "airfleet-postgres-tests")
        XCTAssertEqual(try connection.query("select count(*) from \(schema!).kept").first!.decode(Int.self, at: 0), 1)
    }

    func testSessionSettings() throws {
        let row = try connection.query("select current_setting('TimeZone'), current_setting('DateStyle'), current_setting('client_encoding'), current_setting('bytea_output'), current_setting('application_name')").first!
        XCTAssertEqual(row[0], "UTC")
        XCTAssertEqual(row[1], "ISO, YMD")
        XCTAssertEqual(row[2], "UTF8")
        XCTAssertEqual(row[3], "hex")
        XCTAssertEqual(row[4], "airfleet-postgres-tests")
    }
}

final class ReconnectRefusedTests: PostgresTestCase {
    /// A login role of its own, so the test can make the server refuse it.
    func testReconnectThrowsWhileTheServerRefusesThenRecovers() throws {
        let role = schema!
        try connection.execute(script: "create role \(role) login; grant usage on schema \(role) to \(role)")
        defer { try? connection.execute(script: "drop owned by \(role); drop role if exists \(role)") }
        var configuration = connection.configuration
        configuration.user = role
        configuration.settings = ["statement_timeout": "5s", "search_path": role]
        let victim = try PostgresConnection(configuration, logger: .init(label: "t"))
        defer { victim.close() }
        XCTAssertEqual(try victim.query("show statement_timeout").first?[0], "5s")

        try connection.execute(script: "alter role \(role) nologin")
        try connection.query("select pg_terminate_backend($1)", victim.backendPID)
        let lost = expectError(PostgresError.self) {
            // Until the backend is gone the query may still succeed; keep asking.
            for _ in 0..<500 {
                try victim.query("select 1")
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        XCTAssertTrue(lost?.isConnectionLost ?? false, "\(String(describing: lost))")
        // Transactions on the broken connection report the loss, not a misuse.
        let inTransaction = expectError(PostgresError.self) { try victim.transaction { } }
        XCTAssertTrue(inTransaction?.isConnectionLost ?? false, "\(String(describing: inTransaction))")

        let refused = expectError(PostgresError.self) { try victim.reconnect() }
        XCTAssertTrue(refused?.isConnectionLost ?? false)
        XCTAssertTrue(refused?.description.contains("could not reconnect to postgres://\(role)@") ?? false, "\(String(describing: refused))")
        XCTAssertTrue(refused?.description.contains("not permitted to log in") ?? false, "\(String(describing: refused))")
        XCTAssertFalse(victim.isHealthy)

        try connection.execute(script: "alter role \(role) login")
        try victim.reconnect()
        XCTAssertEqual(try victim.query("select 2").first?[0], "2")
        // Settings from the configuration come back with the new session.
        XCTAssertEqual(try victim.query("show statement_timeout").first?[0], "5s")
        XCTAssertEqual(try victim.query("show search_path").first?[0], role)
    }

    func testConnectionKilledInsideATransaction() throws {
        try connection.execute("create table paid (id int)")
        let error = expectError(PostgresError.self) {
            try connection.transaction {
                try connection.execute("insert into paid values (1)")
                try connection.query("select pg_terminate_backend(pg_backend_pid())")
            }
        }
        XCTAssertTrue(error?.isConnectionLost ?? false, "\(String(describing: error))")
        XCTAssertFalse(connection.inTransaction)
        try connection.reconnect()
        XCTAssertEqual(try connection.query("select count(*) from \(schema!).paid").first!.decode(Int.self, at: 0), 0)
    }
}
