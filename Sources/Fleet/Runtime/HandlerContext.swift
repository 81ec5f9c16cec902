import Foundation
import Logging
import Postgres

/// What a handler may use: the context's database inside the transaction the runtime owns,
/// and `emit`/`send`, whose messages are recorded in that same transaction and published after it.
///
/// Handlers never commit, publish or acknowledge; the runtime does, once for a whole batch.
public final class HandlerContext {
    /// The connection, inside the runtime's transaction, with the context's schema first on the
    /// search path. Writes queued with `write` by this batch's handlers are sent before it is
    /// handed out, so what they wrote is there to read.
    public var database: PostgresConnection {
        batchWrites?.flushBeforeDirectAccess()
        return connection
    }
    private let connection: PostgresConnection
    private let batchWrites: BatchWrites?
    private let position: Int
    public let logger: Logger
    /// 1 for the first delivery, growing with each rung of the retry ladder.
    public let attempt: Int
    /// The time the runtime started this message, from the fleet's clock.
    public let now: Date
    public let contextName: String
    let header: EnvelopeHeader
    let source: String
    /// Carried from the message being handled to everything it causes.
    let replyTo: String?
    let replyTypes: [String]?
    /// The rows the context's read-ahead step loaded for this batch (empty without one).
    public let readAhead: BatchReadAhead
    private(set) var outgoing: [OutgoingMessage] = []

    init(database: PostgresConnection, logger: Logger, attempt: Int, now: Date, contextName: String,
         header: EnvelopeHeader, replyTo: String? = nil, replyTypes: [String]? = nil, batchWrites: BatchWrites? = nil,
         readAhead: BatchReadAhead = BatchReadAhead(), position: Int = 0) {
        self.connection = database
        self.batchWrites = batchWrites
        self.position = position
        self.logger = logger
        self.attempt = attempt
        self.now = now
        self.contextName = contextName
        self.header = header
        self.source = "airfleet/\(contextName)"
        self.replyTo = replyTo
        self.replyTypes = replyTypes
        self.readAhead = readAhead
    }

    /// Queues a statement whose result the handler does not need (an INSERT, an UPDATE) to be sent
    /// with the other handlers' queued writes in one round trip, inside the same transaction.
    /// Its failure is this message's failure, as if `database.execute` had thrown it.
    public func write(_ sql: String, _ parameters: (any PostgresEncodable)?...) throws {
        guard let batchWrites else {
            _ = try connection.execute(sql, parameters: parameters)
            return
        }
        batchWrites.append(PostgresStatement(sql, parameters), owner: position)
    }

    /// Like `write`, for a statement that must change exactly `rows` rows, such as an UPDATE
    /// guarded by the state it expects: otherwise this message fails with `error`.
    public func write(_ sql: String, parameters: [(any PostgresEncodable)?], changingExactly rows: Int,
                      otherwise error: any Error) throws {
        guard let batchWrites else {
            guard try connection.execute(sql, parameters: parameters) == rows else { throw error }
            return
        }
        batchWrites.append(PostgresStatement(sql, parameters), owner: position, changingExactly: rows, otherwise: error)
    }

    /// Runs a query inside the runtime's transaction, sent in one round trip with the writes
    /// queued before it, so it sees them. Reads through `database` cost a round trip of their
    /// own when writes are queued.
    public func query(_ sql: String, _ parameters: (any PostgresEncodable)?...) throws -> PostgresRows {
        try query(sql, parameters: parameters)
    }

    /// `query` with its parameters in an array.
    public func query(_ sql: String, parameters: [(any PostgresEncodable)?]) throws -> PostgresRows {
        guard let batchWrites else { return try connection.query(sql, parameters) }
        return try batchWrites.flush(thenReading: PostgresStatement(sql, parameters))
    }

    /// Publishes an event once the transaction commits; it carries this message's correlation id.
    public func emit<E: Event>(_ event: E, subject: String? = nil) throws {
        try enqueue(event, subject: subject)
    }

    /// Sends a command to the context that owns it once the transaction commits.
    public func send<C: Command>(_ command: C, subject: String? = nil) throws {
        try enqueue(command, subject: subject)
    }

    private func enqueue<M: Message>(_ message: M, subject: String?) throws {
        outgoing.append(try OutgoingMessage.make(
            message, source: source, subject: subject ?? header.subject,
            correlationId: header.correlationid ?? header.id, causationId: header.id, time: now, replyTo: replyTo,
            replyTypes: replyTypes, inheritingTrace: header.traceHeaders))
    }
}

/// What a query handler may use: a database connection outside any transaction of the runtime.
public final class QueryContext {
    public let database: PostgresConnection
    public let logger: Logger
    public let now: Date

    init(database: PostgresConnection, logger: Logger, now: Date) {
        self.database = database
        self.logger = logger
        self.now = now
    }
}
