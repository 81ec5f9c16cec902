import Foundation
import Logging
import XCTest
@testable import Postgres

final class NoticeTests: PostgresTestCase {
    func testNoticesGoToTheLoggerNotStderr() throws {
        let logs = CollectedLogs()
        let listened = try connectToSchema(logger: logs.logger())
        defer { listened.close() }
        let stderrText = try capturingStandardError {
            try listened.execute(script: "do $$ begin raise notice 'seat % held', '12C' using detail = 'for 10 minutes'; raise warning 'gate changed'; end $$")
            try listened.execute("create table if not exists notes (id int)")
            try listened.execute("create table if not exists notes (id int)")  // NOTICE: relation already exists, skipping
        }
        XCTAssertEqual(stderrText, "", "libpq printed on stderr")
        let entries = logs.all
        let notice = entries.first { $0.message.contains("seat 12C held") }
        XCTAssertEqual(notice?.level, .notice)
        XCTAssertEqual(notice?.message, "PostgreSQL NOTICE: seat 12C held")
        XCTAssertEqual(notice?.metadata["postgres.detail"], "for 10 minutes")
        let warning = entries.first { $0.message.contains("gate changed") }
        XCTAssertEqual(warning?.level, .warning)
        XCTAssertTrue(entries.contains { $0.message.contains("already exists, skipping") }, "\(entries.map(\.message))")
    }

    func testNoticesStillReachTheLoggerAfterReconnect() throws {
        let logs = CollectedLogs()
        let listened = try connectToSchema(logger: logs.logger())
        defer { listened.close() }
        XCTAssertThrowsError(try listened.query("select pg_terminate_backend(pg_backend_pid())"))
        try listened.reconnect()
        try listened.execute(script: "do $$ begin raise notice 'after reconnect'; end $$")
        XCTAssertTrue(logs.all.contains { $0.message == "PostgreSQL NOTICE: after reconnect" }, "\(logs.all.map(\.message))")
        XCTAssertTrue(logs.all.contains { $0.level == .info && $0.message == "reconnected to PostgreSQL" })
    }

    /// Runs body with file descriptor 2 pointed at a temporary file, and returns what was written.
    private func capturingStandardError(_ body: () throws -> Void) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)").path
        let file = open(path, O_CREAT | O_RDWR | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(file, 0)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let saved = dup(2)
        fflush(nil)
        dup2(file, 2)
        do {
            defer {
                fflush(nil)
                dup2(saved, 2)
                close(saved)
                close(file)
            }
            try body()
        }
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
