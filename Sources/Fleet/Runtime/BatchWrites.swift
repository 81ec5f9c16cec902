import Postgres

/// Writes that handlers of one batch queued with `HandlerContext.write`, sent to PostgreSQL
/// together in one pipeline instead of one round trip each.
///
/// They are sent at the end of the batch, or earlier as soon as any handler touches
/// `HandlerContext.database`, so a handler always reads what it and the handlers before it wrote.
/// A failed statement is charged to the message whose handler queued it.
final class BatchWrites {
    struct Failure: Error {
        /// The position in the batch of the message whose write failed.
        let owner: Int
        let error: any Error
    }

    private let database: PostgresConnection
    private var statements: [PostgresStatement] = []
    private var owners: [Int] = []
    /// A flush that failed where it could not throw (on access to `database`); the transaction is
    /// aborted, and the runtime reports this instead of what failed after it.
    private(set) var failure: Failure?

    init(database: PostgresConnection) {
        self.database = database
    }

    func append(_ statement: PostgresStatement, owner: Int) {
        statements.append(statement)
        owners.append(owner)
    }

    /// Sends the queued writes, and `closing` after them in the same round trip (statements of
    /// the runtime's own, such as the outbox rows; their failure is charged to no message).
    func flush(closing: [PostgresStatement] = []) throws {
        if let failure { throw failure }
        for statement in closing { append(statement, owner: -1) }
        guard !statements.isEmpty else { return }
        defer {
            statements.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
        }
        do {
            _ = try database.pipeline(statements)
        } catch {
            let index = (error as? PostgresError)?.pipelineIndex ?? 0
            let owner = owners[min(max(index, 0), owners.count - 1)]
            guard owner >= 0 else { throw error }
            let failure = Failure(owner: owner, error: error)
            self.failure = failure
            throw failure
        }
    }

    /// Flushes before a handler reads or writes on its own; a failure is kept for the runtime.
    func flushBeforeDirectAccess() {
        try? flush()
    }
}
