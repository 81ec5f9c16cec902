import Contracts
import Fleet
import Foundation
import HTTPDelivery
import Postgres

/// webhook.register/delete/rotate-secret/redeliver: the endpoints and their secrets.
struct EndpointHandlers: Sendable {
    let secretKey: WebhookSecretKey?
    /// How long a rotated-out secret keeps signing beside the new one.
    static let previousSecretLifetime: Duration = .seconds(24 * 3600)

    private func key() throws -> WebhookSecretKey {
        guard let secretKey else {
            throw HandlerError.transient("AIRFLEET_WEBHOOK_SECRET_KEY is not set; this process cannot store endpoint secrets")
        }
        return secretKey
    }

    func register(_ envelope: Envelope<RegisterWebhook>, _ context: HandlerContext) throws {
        let command = envelope.data
        let patterns = try WebhookRules.patterns(command.events)
        let known = try context.query(
            "SELECT url, events, registered_at FROM webhook_endpoints WHERE webhook_id = $1", command.webhookId).first
        if let known {
            guard try known.decode(String.self, column: "url") == command.url,
                  try known.decode([String].self, column: "events") == command.events else {
                throw HandlerError.permanent(
                    "webhook \(command.webhookId.lowercasedString) is registered already with another url or events; delete it first, or register with a new webhookId")
            }
            try context.emit(WebhookRegistered(webhookId: command.webhookId, url: command.url, events: command.events,
                                               registeredAt: try known.decode(Date.self, column: "registered_at")))
            return
        }
        let sealed = try key().seal(WebhookSecret.generate(), for: command.webhookId)
        try context.write(
            """
            INSERT INTO webhook_endpoints (webhook_id, url, events, binding_keys, type_patterns, description, secret, registered_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, command.webhookId, command.url, command.events, Array(Set(patterns.map(\.bindingKey))).sorted(),
            patterns.map(\.typeExpression), command.description, sealed, context.now)
        try context.emit(WebhookRegistered(webhookId: command.webhookId, url: command.url, events: command.events,
                                           registeredAt: context.now))
    }

    func delete(_ envelope: Envelope<DeleteWebhook>, _ context: HandlerContext) throws {
        let id = envelope.data.webhookId
        guard try !context.query("DELETE FROM webhook_endpoints WHERE webhook_id = $1 RETURNING webhook_id", id).isEmpty else { return }
        try context.emit(WebhookDeleted(webhookId: id, deletedAt: context.now))
    }

    func rotateSecret(_ envelope: Envelope<RotateWebhookSecret>, _ context: HandlerContext) throws {
        let id = envelope.data.webhookId
        let expires = context.now.addingTimeInterval(Self.previousSecretLifetime.seconds)
        let sealed = try key().seal(WebhookSecret.generate(), for: id)
        let rotated = try context.query(
            """
            UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = $2, secret = $3,
                secret_revealed = false
            WHERE webhook_id = $1 RETURNING webhook_id
            """, id, expires, sealed)
        guard !rotated.isEmpty else {
            throw HandlerError.permanent("no webhook endpoint \(id.lowercasedString); register it first")
        }
        try context.emit(WebhookSecretRotated(webhookId: id, rotatedAt: context.now, previousSecretExpiresAt: expires))
    }

    /// A delivery that failed for good starts again from its first attempt; a replay after an
    /// outage also brings back an endpoint that was disabled for failing.
    func redeliver(_ envelope: Envelope<RedeliverWebhook>, _ context: HandlerContext) throws {
        let command = envelope.data
        let reset = try context.query(
            """
            UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
            WHERE webhook_id = $1 AND message_id = $2 AND state = 'dead' RETURNING webhook_id
            """, command.webhookId, command.messageId)
        guard !reset.isEmpty else { return }
        try context.write(
            """
            UPDATE webhook_endpoints SET state = 'enabled', disabled_at = NULL, failing_since = NULL, paused_until = NULL
            WHERE webhook_id = $1 AND state = 'disabled'
            """, command.webhookId)
    }
}

/// Events of every type some endpoint wants: each is kept once and owed to each endpoint whose
/// patterns match it, in the batch's transaction; the senders deliver it afterwards.
enum EventFanOut {
    static func forward(_ event: ForwardedEvent, _ context: HandlerContext) throws {
        try context.write(
            """
            WITH targets AS (
                SELECT webhook_id FROM webhook_endpoints WHERE state = 'enabled' AND $2 ~ ANY (type_patterns)
            ), kept AS (
                INSERT INTO webhook_events (message_id, message_type, body)
                SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM targets)
                ON CONFLICT (message_id) DO NOTHING
            )
            INSERT INTO webhook_deliveries (webhook_id, message_id) SELECT webhook_id, $1 FROM targets
            ON CONFLICT DO NOTHING
            """, event.header.id, event.type.description, String(decoding: event.body, as: UTF8.self))
    }
}
