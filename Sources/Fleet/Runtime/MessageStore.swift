import Foundation
import Postgres
import Settings

/// A message a batch handled, as its inbox row records it.
struct HandledMessage {
    let id: String
    let type: String
    /// `EmittedMessages.encode` of what its handler emitted.
    let emitted: String?
}

/// The inbox, outbox and poison-suspect tables of one context's schema, one round trip per
/// batch wherever it can be.
struct MessageStore {
    let database: PostgresConnection

    /// The messages among `ids` that were handled here already, each with what it emitted.
    func handled(among ids: [String]) throws -> [String: String?] {
        guard !ids.isEmpty else { return [:] }
        let rows = try database.query("SELECT message_id, emitted FROM inbox WHERE message_id = ANY($1::text[])", ids)
        var handled: [String: String?] = [:]
        for row in rows { handled[try row.decode(String.self, column: "message_id")] = try row.decode(String?.self, column: "emitted") }
        return handled
    }

    /// The statement that records handled messages with what each emitted. A plain INSERT, which
    /// PostgreSQL writes more cheaply than INSERT … ON CONFLICT: a message handled before (or by
    /// another process meanwhile) makes it fail on `inboxKey`, and the batch, rolled back, is
    /// handled again after looking its ids up (`handled(among:)`).
    static func recording(_ messages: [HandledMessage]) -> PostgresStatement? {
        guard !messages.isEmpty else { return nil }
        return PostgresStatement(
            """
            INSERT INTO inbox (message_id, message_type, emitted)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
            """,
            [messages.map(\.id), messages.map(\.type), messages.map(\.emitted)])
    }

    /// The inbox's primary key, which a message recorded twice violates.
    static let inboxKey = "inbox_pkey"

    /// Writes scheduled jobs' messages to the outbox, for the sweeper should they not be confirmed.
    func append(_ messages: [OutgoingMessage]) throws {
        guard !messages.isEmpty else { return }
        try database.execute(
            """
            INSERT INTO outbox (id, exchange, routing_key, correlation_id, source, body, created_at, reply_to)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[])
            """,
            messages.map(\.id), messages.map(\.exchange), messages.map(\.type.description),
            messages.map { $0.correlationId ?? "" }, messages.map(\.source),
            messages.map { String(decoding: $0.body, as: UTF8.self) }, messages.map(\.time), messages.map(\.replyTo))
    }

    func remove(_ ids: [String]) throws {
        guard let statement = Self.removing(ids) else { return }
        _ = try database.execute(statement.sql, parameters: statement.parameters)
    }

    /// The statement that deletes the outbox rows `ids`, to send on its own or in a pipeline.
    static func removing(_ ids: [String]) -> PostgresStatement? {
        guard !ids.isEmpty else { return nil }
        return PostgresStatement("DELETE FROM outbox WHERE id = ANY($1::text[])", [ids])
    }

    /// Locks outbox rows older than `age` that no other process has locked; call inside a transaction.
    func lockStale(olderThan age: Duration, limit: Int) throws -> [OutgoingMessage] {
        let rows = try database.query(
            """
            SELECT id, exchange, routing_key, correlation_id, source, body, created_at, reply_to FROM outbox
            WHERE created_at < now() - make_interval(secs => $1) ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED
            """,
            age.seconds, limit)
        return try rows.map { row in
            let routingKey = try row.decode(String.self, column: "routing_key")
            guard let type = MessageType(parsing: routingKey) else {
                throw ConfigurationError("outbox row \(try row.decode(String.self, column: "id")) has routing key '\(routingKey)', not a message type")
            }
            let correlation = try row.decode(String.self, column: "correlation_id")
            return OutgoingMessage(
                id: try row.decode(String.self, column: "id"), type: type, exchange: try row.decode(String.self, column: "exchange"),
                body: Data(try row.decode(String.self, column: "body").utf8), correlationId: correlation.isEmpty ? nil : correlation,
                time: try row.decode(Date.self, column: "created_at"), source: try row.decode(String.self, column: "source"),
                replyTo: try row.decode(String?.self, column: "reply_to"))
        }
    }

    /// Counts one more start of a redelivered message; returns how many starts there have been.
    func recordStart(of messageID: String) throws -> Int {
        let rows = try database.query(
            """
            INSERT INTO poison_suspects (message_id, starts) VALUES ($1, 1)
            ON CONFLICT (message_id) DO UPDATE SET starts = poison_suspects.starts + 1, last_seen = now()
            RETURNING starts
            """, messageID)
        return try rows.first!.decode(Int.self, column: "starts")
    }

    /// The process lived through handling these: they are not suspects any more.
    func clearSuspects(_ ids: [String]) throws {
        guard !ids.isEmpty else { return }
        try database.execute("DELETE FROM poison_suspects WHERE message_id = ANY($1::text[])", ids)
    }

    func pruneInbox(olderThan age: Duration) throws -> Int {
        try database.execute(
            "DELETE FROM inbox WHERE message_id IN (SELECT message_id FROM inbox WHERE handled_at < now() - make_interval(secs => $1) LIMIT 10000)",
            age.seconds)
    }
}
