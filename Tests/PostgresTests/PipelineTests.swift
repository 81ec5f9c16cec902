import Foundation
import XCTest
@testable import Postgres

final class PipelineTests: PostgresTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try connection.execute("create table bookings (id int primary key, pnr text not null, made_at timestamptz not null)")
    }

    private func count() throws -> Int {
        try connection.query("select count(*) from bookings").first!.decode(Int.self, at: 0)
    }

    func testHundredInsertsLand() throws {
        let now = Date()
        let statements = (1...100).map { (id: Int) in
            PostgresStatement("insert into bookings values ($1, $2, $3)", [id, "PNR\(id)", now])
        }
        let results = try connection.pipeline(statements + [PostgresStatement("select count(*), max(pnr) from bookings")])
        XCTAssertEqual(results.count, 101)
        XCTAssertTrue(results.prefix(100).allSatisfy { $0.affectedRows == 1 })
        XCTAssertEqual(try results[100].first!.decode(Int.self, at: 0), 100)
        XCTAssertEqual(try count(), 100)
        XCTAssertTrue(try connection.pipeline([]).isEmpty)
    }

    func testStatementsWithParametersArePreparedOncePerSession() throws {
        let insert = "insert into bookings values ($1, $2, now())"
        let counting = "select count(*) from bookings where id > $1"
        _ = try connection.pipeline((1...5).map { PostgresStatement(insert, [$0, "P\($0)"]) })
        let results = try connection.pipeline((6...9).map { PostgresStatement(insert, [$0, "P\($0)"]) } + [PostgresStatement(counting, [0])])
        XCTAssertEqual(try results[4].first?.decode(Int.self, at: 0), 9)
        func preparedCount(_ sql: String) throws -> Int {
            try connection.query("select statement from pg_prepared_statements").column(String.self).filter { $0 == sql }.count
        }
        XCTAssertEqual(try preparedCount(insert), 1)
        XCTAssertEqual(try preparedCount(counting), 1)

        // A pipeline that fails before a new statement's Prepare leaves it unprepared; the next prepares it.
        let fresh = "insert into bookings values ($1, $2 || '!', now())"
        expectError(PostgresError.self) {
            _ = try connection.pipeline([PostgresStatement(insert, [1, "duplicate"]), PostgresStatement(fresh, [100, "x"])])
        }
        XCTAssertEqual(try preparedCount(fresh), 0)
        XCTAssertEqual(try connection.pipeline([PostgresStatement(fresh, [100, "x"])]).first?.affectedRows, 1)
        XCTAssertEqual(try preparedCount(fresh), 1)
        XCTAssertEqual(try connection.query("select pnr from bookings where id = 100").first?.decode(String.self, at: 0), "x!")
    }

    func testFailingStatementIsNamedAndTheConnectionStaysUsable() throws {
        var statements = (1...10).map { (id: Int) in PostgresStatement("insert into bookings values ($1, $2, now())", [id, "P\(id)"]) }
        statements[6] = PostgresStatement("insert into bookings values ($1, $2, now())", [3, "duplicate of 3"])
        let error = expectError(PostgresError.self) { _ = try connection.pipeline(statements) }
        guard let error else { return }
        XCTAssertTrue(error.isUniqueViolation)
        XCTAssertEqual(error.pipelineIndex, 6)
        XCTAssertEqual(error.statement, "insert into bookings values ($1, $2, now())")
        XCTAssertTrue(error.description.contains("pipeline statement [6] of 10 failed"), error.description)
        XCTAssertTrue(error.description.contains("the 3 statements after it skipped"), error.description)
        XCTAssertTrue(error.description.contains("the 6 statements before it rolled back"), error.description)
        // One implicit transaction: nothing of the pipeline stays.
        XCTAssertEqual(try count(), 0)
        XCTAssertFalse(connection.inTransaction)
        XCTAssertEqual(try connection.query("select 1").first?[0], "1")
        // And pipelines work again.
        XCTAssertEqual(try connection.pipeline([PostgresStatement("insert into bookings values (1, 'ok', now())")]).count, 1)
        XCTAssertEqual(try count(), 1)
    }

    func testInsideATransactionAFailureAbortsIt() throws {
        let error = expectError(PostgresError.self) {
            try connection.transaction {
                try connection.execute("insert into bookings values (100, 'before', now())")
                _ = try connection.pipeline([
                    PostgresStatement("insert into bookings values (101, 'a', now())"),
                    PostgresStatement("insert into bookings values (100, 'dup', now())"),
                ])
            }
        }
        XCTAssertEqual(error?.pipelineIndex, 1)
        XCTAssertTrue(error?.description.contains("the open transaction is aborted") ?? false, "\(String(describing: error))")
        XCTAssertEqual(try count(), 0)
        // Pipelines inside a transaction commit with it.
        try connection.transaction {
            _ = try connection.pipeline((1...5).map { PostgresStatement("insert into bookings values ($1, 'x', now())", [$0]) })
        }
        XCTAssertEqual(try count(), 5)
    }

    func testStatementsAcceptSendableExistentials() throws {
        // The runtime may spell the element type with or without "& Sendable": it is one type.
        let withSendable: [(any PostgresEncodable & Sendable)?] = [1, "one", nil]
        let plain: [(any PostgresEncodable)?] = withSendable
        let results = try connection.pipeline([PostgresStatement("select $1::int, $2::text, $3::text", withSendable), PostgresStatement("select $1::int", [plain[0]])])
        XCTAssertEqual(results[0].first?[1], "one")
        XCTAssertNil(results[0].first?[2])
        XCTAssertEqual(try connection.query("select $1::int + 1", plain[0]).first?.decode(Int.self, at: 0), 2)
    }

    func testBadParameterIsRefusedBeforeAnythingIsSent() throws {
        let error = expectError(PostgresError.self) {
            _ = try connection.pipeline([
                PostgresStatement("insert into bookings values (1, 'fine', now())"),
                PostgresStatement("insert into bookings values (2, $1, now())", ["nul\u{0}inside"]),
            ])
        }
        XCTAssertTrue(error?.message.contains("NUL") ?? false)
        XCTAssertEqual(try count(), 0)
        XCTAssertTrue(connection.isHealthy)
    }

    func testLargeResultsDoNotDeadlock() throws {
        // 20 MB of answers to 200 statements: the server fills its send buffer while we are
        // still sending, so sending must read meanwhile.
        let statements = (0..<200).map { _ in PostgresStatement("select repeat('x', 20000) from generate_series(1, 5)") }
        let results = try connection.pipeline(statements)
        XCTAssertEqual(results.count, 200)
        XCTAssertEqual(results.last?.count, 5)
        XCTAssertEqual(results.last?.first?[0]?.count, 20000)
    }
}

final class PipelineLossTests: PostgresTestCase {
    /// The server ends the session between two statements of a pipeline, as a restart does: the
    /// caller sees a lost connection, and after reconnect() the session takes plain statements and
    /// pipelines again instead of being stuck in pipeline mode.
    func testSessionEndedMidPipelineIsLostAndReconnectRestoresIt() throws {
        try connection.execute("create table paid (id int)")
        let statements = [
            PostgresStatement("insert into paid values ($1)", [1]),
            PostgresStatement("select pg_terminate_backend(pg_backend_pid())"),
            PostgresStatement("insert into paid values ($1)", [2]),
        ]
        let lost = expectError(PostgresError.self) { _ = try connection.pipeline(statements) }
        XCTAssertTrue(lost?.isConnectionLost ?? false, "\(String(describing: lost))")
        XCTAssertFalse(connection.isHealthy)

        try connection.reconnect()
        XCTAssertTrue(connection.isHealthy)
        XCTAssertEqual(try connection.query("select count(*) from \(schema!).paid").first!.decode(Int.self, at: 0), 0)
        XCTAssertEqual(try connection.pipeline([PostgresStatement("insert into \(schema!).paid values ($1)", [3])]).first?.affectedRows, 1)
    }

    func testSessionEndedMidPipelineInsideATransaction() throws {
        try connection.execute("create table paid (id int)")
        let lost = expectError(PostgresError.self) {
            try connection.transaction {
                _ = try connection.pipeline([
                    PostgresStatement("insert into paid values ($1)", [1]),
                    PostgresStatement("select pg_terminate_backend(pg_backend_pid())"),
                ])
            }
        }
        XCTAssertTrue(lost?.isConnectionLost ?? false, "\(String(describing: lost))")
        XCTAssertFalse(connection.isHealthy)
        try connection.reconnect()
        try connection.transaction {
            _ = try connection.pipeline([PostgresStatement("insert into \(schema!).paid values ($1)", [3])])
        }
        XCTAssertEqual(try connection.query("select array_agg(id)::text from \(schema!).paid").first?[0], "{3}")
    }

    /// Ended by another session while the pipeline waits on the server.
    func testSessionEndedFromOutsideWhileAPipelineRuns() throws {
        let victim = connection.backendPID
        let killer = try Self.connect()
        defer { killer.close() }
        let killing = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            _ = try? killer.query("select pg_terminate_backend($1)", victim)
        }
        killing.start()
        let lost = expectError(PostgresError.self) {
            _ = try connection.pipeline([PostgresStatement("select 1"), PostgresStatement("select pg_sleep(5)"), PostgresStatement("select 2")])
        }
        XCTAssertTrue(lost?.isConnectionLost ?? false, "\(String(describing: lost))")
        XCTAssertFalse(connection.isHealthy)
        try connection.reconnect()
        XCTAssertEqual(try connection.query("select 1").first?[0], "1")
        XCTAssertEqual(try connection.pipeline([PostgresStatement("select 2")]).first?.first?[0], "2")
    }
}
