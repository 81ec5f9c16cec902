import Postgres

/// Writes that handlers of one batch queued with `HandlerContext.write`, sent to PostgreSQL
/// together in one pipeline instead of one round trip each.
///
/// They are sent at the end of the batch, with a handler's read (`HandlerContext.query`) in the
/// same round trip, or on their own as soon as any handler touches `HandlerContext.database`, so
/// a handler always reads what it and the handlers before it wrote. A failed statement is
/// charged to the message whose handler queued it.
final class BatchWrites {
    struct Failure: Error {
        /// The position in the batch of the message whose write failed.
        let owner: Int
        let error: any Error
    }

    /// A write that must change exactly `rows` rows, or its owner fails with `error`.
    private struct Expectation {
        let rows: Int
        let error: any Error
    }

    private let database: PostgresConnection
    private let timings: BatchTimings
    private var statements: [PostgresStatement] = []
    /// The batch position of each statement's message; -1 for the runtime's own statements and
    /// -2 for a read, whose failure is its caller's.
    private var owners: [Int] = []
    private var expectations: [Int: Expectation] = [:]
    /// A flush that failed where it could not throw (on access to `database`); the transaction is
    /// aborted, and the runtime reports this instead of what failed after it.
    private(set) var failure: Failure?

    init(database: PostgresConnection, timings: BatchTimings) {
        self.database = database
        self.timings = timings
    }

    func append(_ statement: PostgresStatement, owner: Int, changingExactly rows: Int? = nil, otherwise error: (any Error)? = nil) {
        if let rows, let error { expectations[statements.count] = Expectation(rows: rows, error: error) }
        statements.append(statement)
        owners.append(owner)
    }

    /// Sends the queued writes, and `closing` after them in the same round trip (statements of
    /// the runtime's own, such as the inbox rows; their failure is charged to no message).
    func flush(closing: [PostgresStatement] = []) throws {
        for statement in closing { append(statement, owner: -1) }
        _ = try send()
    }

    /// Sends the queued writes and then `read`, in one round trip, and returns what `read` returned:
    /// a handler's read rides along with the writes before it.
    func flush(thenReading read: PostgresStatement) throws -> PostgresRows {
        if let failure { throw failure }
        guard !statements.isEmpty else { return try database.query(read.sql, read.parameters) }
        append(read, owner: -2)
        return try send().last!
    }

    /// Flushes before a handler reads or writes on its own; a failure is kept for the runtime.
    func flushBeforeDirectAccess() {
        if !statements.isEmpty { timings.countEarlyFlush() }
        try? flush()
    }

    private func send() throws -> [PostgresRows] {
        if let failure { throw failure }
        guard !statements.isEmpty else { return [] }
        let owners = self.owners, expectations = self.expectations
        defer {
            statements.removeAll(keepingCapacity: true)
            self.owners.removeAll(keepingCapacity: true)
            self.expectations.removeAll(keepingCapacity: true)
        }
        let results: [PostgresRows]
        do {
            results = try database.pipeline(statements)
        } catch {
            let index = (error as? PostgresError)?.pipelineIndex ?? 0
            try charge(error, to: owners[min(max(index, 0), owners.count - 1)])
        }
        for (index, expectation) in expectations.sorted(by: { $0.key < $1.key })
        where results[index].affectedRows != expectation.rows {
            try charge(expectation.error, to: owners[index])
        }
        return results
    }

    /// Throws `error` as its owner's failure, kept for the runtime; a statement no message owns
    /// throws it as it is.
    private func charge(_ error: any Error, to owner: Int) throws -> Never {
        guard owner >= 0 else { throw error }
        let failure = Failure(owner: owner, error: error)
        self.failure = failure
        throw failure
    }
}
