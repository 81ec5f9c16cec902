import Foundation
import XCTest
@testable import Postgres

final class TransactionTests: PostgresTestCase {
    struct Refused: Error {}

    override func setUpWithError() throws {
        try super.setUpWithError()
        try connection.execute("create table legs (id int primary key, note text)")
    }

    private func count() throws -> Int {
        try connection.query("select count(*) from legs").first!.decode(Int.self, at: 0)
    }

    func testCommitAndRollback() throws {
        let value = try connection.transaction { () throws -> String in
            XCTAssertTrue(connection.inTransaction)
            try connection.execute("insert into legs values (1, 'a')")
            return "done"
        }
        XCTAssertEqual(value, "done")
        XCTAssertFalse(connection.inTransaction)
        XCTAssertEqual(try count(), 1)

        XCTAssertThrowsError(try connection.transaction {
            try connection.execute("insert into legs values (2, 'b')")
            throw Refused()
        }) { XCTAssertTrue($0 is Refused, "\($0)") }
        XCTAssertFalse(connection.inTransaction)
        XCTAssertEqual(try count(), 1)

        // A database error inside rolls back the earlier statements too.
        let error = expectError(PostgresError.self) {
            try connection.transaction {
                try connection.execute("insert into legs values (3, 'c')")
                try connection.execute("insert into legs values (1, 'duplicate')")
            }
        }
        XCTAssertTrue(error?.isUniqueViolation ?? false)
        XCTAssertEqual(try count(), 1)
    }

    func testCaughtDatabaseErrorDoesNotCommitSilently() throws {
        let error = expectError(PostgresError.self) {
            try connection.transaction {
                try connection.execute("insert into legs values (5, 'e')")
                _ = try? connection.execute("insert into legs values (5, 'again')")  // swallowed
            }
        }
        XCTAssertTrue(error?.message.contains("caught without rethrowing") ?? false, "\(String(describing: error))")
        XCTAssertFalse(connection.inTransaction)
        XCTAssertEqual(try count(), 0)
    }

    func testIsolationAndReadOnly() throws {
        try connection.transaction(isolation: .serializable, readOnly: true) {
            XCTAssertEqual(try connection.query("show transaction_isolation").first?[0], "serializable")
            XCTAssertEqual(try connection.query("show transaction_read_only").first?[0], "on")
        }
        try connection.transaction(isolation: .repeatableRead) {
            XCTAssertEqual(try connection.query("show transaction_isolation").first?[0], "repeatable read")
        }
        let error = expectError(PostgresError.self) {
            try connection.transaction(readOnly: true) { _ = try connection.execute("insert into legs values (9, 'x')") }
        }
        XCTAssertEqual(error?.sqlState, "25006")
    }

    func testNestedTransactionIsRefused() throws {
        try connection.transaction {
            let error = expectError(PostgresError.self) { try connection.transaction { } }
            XCTAssertTrue(error?.message.contains("use savepoint()") ?? false)
        }
    }

    func testSavepointRollsBackOnlyItsPart() throws {
        try connection.transaction {
            try connection.execute("insert into legs values (1, 'kept')")
            XCTAssertThrowsError(try connection.savepoint {
                try connection.execute("insert into legs values (2, 'undone')")
                try connection.execute("insert into legs values (1, 'duplicate')")  // fails: aborts only the savepoint
            })
            try connection.savepoint {
                try connection.execute("insert into legs values (3, 'kept too')")
                // Nested savepoints have their own names.
                XCTAssertThrowsError(try connection.savepoint {
                    try connection.execute("insert into legs values (4, 'undone')")
                    throw Refused()
                })
            }
            try connection.execute("insert into legs values (5, 'after')")
        }
        XCTAssertEqual(try connection.query("select id from legs order by id").column(Int.self), [1, 3, 5])
        let outside = expectError(PostgresError.self) { try connection.savepoint { } }
        XCTAssertTrue(outside?.message.contains("needs an open transaction") ?? false)
    }

    func testAdvisoryLockExcludesAnotherConnection() throws {
        let other = try connectToSchema()
        defer { other.close() }
        let key: Int64 = 0x7A11_F1EE_0000_0001
        try connection.withAdvisoryLock(key) {
            XCTAssertFalse(try other.tryAdvisoryLock(key))
        }
        XCTAssertTrue(try other.tryAdvisoryLock(key))
        XCTAssertFalse(try connection.tryAdvisoryLock(key))
        try other.advisoryUnlock(key)
        XCTAssertThrowsError(try other.advisoryUnlock(key)) { XCTAssertTrue("\($0)".contains("was not held"), "\($0)") }

        // Released even when the body throws, and even when that aborted a transaction.
        XCTAssertThrowsError(try connection.transaction {
            try connection.withAdvisoryLock(key) {
                try connection.execute("select 1/0")
            }
        })
        XCTAssertTrue(try other.tryAdvisoryLock(key), "the lock leaked past the failed transaction")
        try other.advisoryUnlock(key)
    }

    func testTransactionAdvisoryLockEndsWithTheTransaction() throws {
        let other = try connectToSchema()
        defer { other.close() }
        try connection.transaction {
            try connection.advisoryTransactionLock(42)
            XCTAssertFalse(try other.tryAdvisoryLock(42))
        }
        XCTAssertTrue(try other.tryAdvisoryLock(42))
    }
}
