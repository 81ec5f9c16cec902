import Contracts
import Fleet
import Foundation
import Postgres

/// webhook.list.v1 and webhook.secret.v1.
struct WebhookQueries: Sendable {
    let secretKey: WebhookSecretKey?

    func list(_ envelope: Envelope<ListWebhooks>, _ context: QueryContext) throws -> WebhookList {
        let only = envelope.data.webhookId
        let rows = try context.database.query(
            """
            SELECT e.webhook_id, e.url, e.events, e.description, e.state, e.registered_at, e.failing_since, e.disabled_at,
                e.last_error, e.last_delivered_at,
                CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret_expires_at END AS previous_secret_expires_at,
                (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = e.webhook_id AND d.state = 'pending') AS pending
            FROM webhook_endpoints e WHERE $1::uuid IS NULL OR e.webhook_id = $1
            ORDER BY e.registered_at, e.webhook_id
            """, only)
        let entries = try rows.map { row in
            WebhookList.Entry(
                webhookId: try row.decode(UUID.self, column: "webhook_id"), url: try row.decode(String.self, column: "url"),
                events: try row.decode([String].self, column: "events"), description: try row.decode(String?.self, column: "description"),
                state: WebhookState(rawValue: try row.decode(String.self, column: "state")) ?? .disabled,
                registeredAt: try row.decode(Date.self, column: "registered_at"),
                failingSince: try row.decode(Date?.self, column: "failing_since"), disabledAt: try row.decode(Date?.self, column: "disabled_at"),
                lastError: try row.decode(String?.self, column: "last_error"),
                lastDeliveredAt: try row.decode(Date?.self, column: "last_delivered_at"),
                pendingDeliveries: try row.decode(Int.self, column: "pending"),
                previousSecretExpiresAt: try row.decode(Date?.self, column: "previous_secret_expires_at"))
        }
        if let only, entries.isEmpty { throw QueryError.notFound("no webhook endpoint \(only.lowercasedString)") }
        return WebhookList(webhooks: entries)
    }

    /// The secret, once: the row is marked revealed in the same statement that reads it.
    func revealSecret(_ envelope: Envelope<RevealWebhookSecret>, _ context: QueryContext) throws -> WebhookSecretAnswer {
        let id = envelope.data.webhookId
        guard let secretKey else {
            throw QueryError(kind: .internal, message: "AIRFLEET_WEBHOOK_SECRET_KEY is not set in this process")
        }
        let rows = try context.database.query(
            """
            UPDATE webhook_endpoints SET secret_revealed = true WHERE webhook_id = $1 AND NOT secret_revealed
            RETURNING secret, CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END AS expires
            """, id)
        guard let row = rows.first else {
            let known = try !context.database.query("SELECT 1 FROM webhook_endpoints WHERE webhook_id = $1", id).isEmpty
            throw known
                ? QueryError(kind: .conflict, message: "the secret of webhook \(id.lowercasedString) was shown already; rotate it for a new one")
                : QueryError.notFound("no webhook endpoint \(id.lowercasedString)")
        }
        let secret = try secretKey.open(try row.decode(Data.self, column: "secret"), for: id)
        return WebhookSecretAnswer(webhookId: id, secret: secret.text, previousSecretExpiresAt: try row.decode(Date?.self, column: "expires"))
    }
}
