import CLibPQ
import Logging

public enum PostgresIsolation: Sendable {
    case readCommitted, repeatableRead, serializable

    var sql: String {
        switch self {
        case .readCommitted: return "READ COMMITTED"
        case .repeatableRead: return "REPEATABLE READ"
        case .serializable: return "SERIALIZABLE"
        }
    }
}

extension PostgresConnection {
    /// Runs body in BEGIN … COMMIT; ROLLBACK (and rethrow) if body throws.
    ///
    /// A body that catches a database error and carries on would otherwise reach COMMIT with an
    /// aborted transaction, which PostgreSQL answers by rolling back without an error: that case
    /// is rolled back and thrown, as is a body that ended the transaction itself.
    /// Retrying on `isRetryable` (serialization failures, deadlocks) is the caller's choice.
    public func transaction<T>(isolation: PostgresIsolation = .readCommitted, readOnly: Bool = false, _ body: () throws -> T) throws -> T {
        _ = try healthyHandle()
        guard transactionStatus == PQTRANS_IDLE else {
            throw PostgresError.usage("transaction() inside an open transaction; use savepoint() to nest")
        }
        try run("BEGIN ISOLATION LEVEL \(isolation.sql)\(readOnly ? " READ ONLY" : "")", [])
        defer {
            savepointDepth = 0
            releasePendingUnlocks()
        }
        let value: T
        do {
            value = try body()
        } catch {
            rollBack(after: error)
            throw error
        }
        switch transactionStatus {
        case PQTRANS_INTRANS:
            let outcome = try run("COMMIT", [])
            // Only an aborted transaction answers COMMIT with ROLLBACK, and that was excluded above;
            // checking costs nothing and guards the one thing that must never pass silently.
            guard outcome.commandTag == "COMMIT" else {
                throw PostgresError.usage("COMMIT was answered with \(outcome.commandTag): the transaction was rolled back")
            }
            return value
        case PQTRANS_INERROR:
            let failure = PostgresError.usage("the transaction was aborted by a database error that its body caught without rethrowing; it was rolled back")
            rollBack(after: failure)
            throw failure
        case PQTRANS_IDLE:
            throw PostgresError.usage("the body of transaction() ended the transaction itself (COMMIT or ROLLBACK); leave that to transaction()")
        default:
            throw PostgresError(message: "the connection was lost before COMMIT; the transaction was rolled back by the server", connectionLost: true)
        }
    }

    /// ROLLBACK after a failure, keeping the failure as what the caller sees. Without a live
    /// connection there is nothing to roll back: the server ended the transaction with the session.
    private func rollBack(after error: Error) {
        guard isHealthy, inTransaction else { return }
        do {
            try run("ROLLBACK", [])
        } catch let rollbackError {
            logger.error("ROLLBACK failed after an error", metadata: ["error": "\(error)", "rollback.error": "\(rollbackError)"])
        }
    }

    /// Runs body inside SAVEPOINT … RELEASE, or ROLLBACK TO the savepoint if it throws, so a failure
    /// undoes only body's part and the surrounding transaction carries on. Needs an open transaction.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        _ = try healthyHandle()
        switch transactionStatus {
        case PQTRANS_INTRANS: break
        case PQTRANS_INERROR: throw PostgresError.usage("savepoint() in a transaction already aborted by an earlier error")
        default: throw PostgresError.usage("savepoint() needs an open transaction; call it inside transaction()")
        }
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let name = "airfleet_savepoint_\(savepointDepth)"
        try run("SAVEPOINT \(name)", [])
        let value: T
        do {
            value = try body()
        } catch {
            try rollBack(to: name, after: error)
            throw error
        }
        guard transactionStatus == PQTRANS_INTRANS else {
            let failure = PostgresError.usage("the body of savepoint() caught a database error without rethrowing (or ended the transaction); its work was rolled back")
            try rollBack(to: name, after: failure)
            throw failure
        }
        try run("RELEASE SAVEPOINT \(name)", [])
        return value
    }

    private func rollBack(to name: String, after error: Error) throws {
        guard isHealthy, inTransaction else { return }
        do {
            try run("ROLLBACK TO SAVEPOINT \(name)", [])
            try run("RELEASE SAVEPOINT \(name)", [])
        } catch let rollbackError {
            // The transaction cannot go on as the caller expects; its own ROLLBACK will clean up.
            logger.error("ROLLBACK TO SAVEPOINT failed after an error", metadata: ["error": "\(error)", "rollback.error": "\(rollbackError)"])
            throw error
        }
    }

    // MARK: - Advisory locks

    /// Holds the session advisory lock `key` (pg_advisory_lock, waiting for it) while body runs.
    /// Inside a transaction prefer `advisoryTransactionLock(_:)`, which needs no unlock.
    public func withAdvisoryLock<T>(_ key: Int64, _ body: () throws -> T) throws -> T {
        try run("select pg_advisory_lock($1)", [key])
        defer { releaseAdvisoryLock(key) }
        return try body()
    }

    /// pg_try_advisory_lock: true if the session lock was free and is now held.
    public func tryAdvisoryLock(_ key: Int64) throws -> Bool {
        try run("select pg_try_advisory_lock($1)", [key]).first?.decode(Bool.self, at: 0) ?? false
    }

    /// pg_advisory_unlock; throws if this session did not hold the lock.
    public func advisoryUnlock(_ key: Int64) throws {
        let released = try run("select pg_advisory_unlock($1)", [key]).first?.decode(Bool.self, at: 0) ?? false
        guard released else { throw PostgresError.usage("advisory lock \(key) was not held by this session") }
    }

    /// pg_advisory_xact_lock: held until the current transaction ends, however it ends.
    public func advisoryTransactionLock(_ key: Int64) throws {
        try run("select pg_advisory_xact_lock($1)", [key])
    }

    /// Unlocking cannot fail the work the lock protected, so failures are logged, not thrown. In an
    /// aborted transaction no statement runs, so the unlock waits until the transaction ends; a
    /// lost connection took the lock with it.
    private func releaseAdvisoryLock(_ key: Int64) {
        guard isHealthy else { return }
        if transactionStatus == PQTRANS_INERROR {
            pendingUnlocks.append(key)
            return
        }
        do {
            if try run("select pg_advisory_unlock($1)", [key]).first?.decode(Bool.self, at: 0) != true {
                logger.warning("advisory lock was no longer held when its block ended", metadata: ["postgres.lock": "\(key)"])
            }
        } catch {
            logger.warning("could not release advisory lock", metadata: ["postgres.lock": "\(key)", "error": "\(error)"])
        }
    }

    private func releasePendingUnlocks() {
        guard !pendingUnlocks.isEmpty, transactionStatus == PQTRANS_IDLE else { return }
        let keys = pendingUnlocks
        pendingUnlocks = []
        keys.forEach(releaseAdvisoryLock)
    }
}
