import Foundation
import Logging
import Postgres

/// What a handler may use: the context's database inside the transaction the runtime owns,
/// and `emit`/`send`, which write to the outbox in that same transaction.
///
/// Handlers never commit, publish or acknowledge; the runtime does, once for a whole batch.
public final class HandlerContext {
    /// The connection, inside the runtime's transaction, with the context's schema first on the search path.
    public let database: PostgresConnection
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
    private(set) var outgoing: [OutgoingMessage] = []

    init(database: PostgresConnection, logger: Logger, attempt: Int, now: Date, contextName: String,
         header: EnvelopeHeader, replyTo: String? = nil) {
        self.database = database
        self.logger = logger
        self.attempt = attempt
        self.now = now
        self.contextName = contextName
        self.header = header
        self.source = "airfleet/\(contextName)"
        self.replyTo = replyTo
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
            correlationId: header.correlationid ?? header.id, causationId: header.id, time: now, replyTo: replyTo))
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
