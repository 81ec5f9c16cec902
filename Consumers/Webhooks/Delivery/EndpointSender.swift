import AMQP
import Contracts
import Fleet
import Foundation
import HTTPDelivery
import Logging
import Postgres

/// One sender of a process, on a thread of its own: takes an endpoint that is owed deliveries
/// (no other sender holds it, it is not paused), POSTs them oldest first, signed, and records each
/// outcome. It lets go of the endpoint at its first failure, so an endpoint that is down costs
/// one attempt per pause, and one that hangs holds one sender, never the others.
///
/// At least once, once in effect: a delivery is recorded only after its POST, so a sender that
/// dies in between leaves it to be POSTed again with the same `webhook-id`, the receiver's key
/// for folding copies.
final class EndpointSender: PeriodicTask {
    private let settings: WebhooksContext.Settings
    private let secretKey: WebhookSecretKey
    private let connections: WorkerConnections
    private let poster: HTTPPoster
    private let consumer: String
    private let logger: Logger

    init(settings: WebhooksContext.Settings, secretKey: WebhookSecretKey, environment: ContextDefinition.ServiceEnvironment,
         index: Int) {
        self.settings = settings
        self.secretKey = secretKey
        self.consumer = "\(WebhooksContext.name)@\(environment.configuration.processName) sender \(index)"
        self.connections = WorkerConnections(database: environment.database,
                                             amqp: environment.configuration.amqp.withConnectionName(consumer),
                                             confirms: true, logger: environment.logger)
        self.poster = HTTPPoster(settings: settings.delivery)
        self.logger = environment.logger
    }

    func runDue() throws -> Duration {
        let db = try connections.postgres()
        guard let endpoint = try claim(db) else { return settings.pollInterval }
        var heldUntil = ContinuousClock.now + settings.endpointHold
        var outcome = EndpointOutcome()
        defer { try? release(endpoint, outcome, db) }
        for delivery in try due(of: endpoint, db) {
            // The hold must outlast the next POST. It is short, so that the endpoints of a sender
            // that died wait little, and renewed while this one keeps sending.
            if heldUntil - ContinuousClock.now < settings.delivery.totalTimeout + .seconds(2) {
                try renewHold(of: endpoint, db)
                heldUntil = ContinuousClock.now + settings.endpointHold
            }
            let verdict = try send(delivery, to: endpoint, db)
            outcome.record(verdict)
            if case .delivered = verdict { continue }
            break
        }
        return .zero
    }

    func disconnect() { connections.disconnect() }

    // MARK: Claiming

    struct Endpoint {
        let id: UUID
        let url: String
        let secrets: [WebhookSecret]
        let failingSince: Date?
    }

    struct Delivery {
        let messageId: String
        let messageType: String
        let attempts: Int
        let body: String
    }

    private func claim(_ db: PostgresConnection) throws -> Endpoint? {
        let rows = try db.query(
            """
            UPDATE webhook_endpoints SET leased_until = now() + make_interval(secs => $1)
            WHERE webhook_id = (
                SELECT e.webhook_id FROM webhook_endpoints e
                WHERE e.state = 'enabled' AND (e.leased_until IS NULL OR e.leased_until < now())
                    AND (e.paused_until IS NULL OR e.paused_until <= now())
                    AND EXISTS (SELECT 1 FROM webhook_deliveries d
                                WHERE d.webhook_id = e.webhook_id AND d.state = 'pending' AND d.next_attempt_at <= now())
                ORDER BY e.leased_until NULLS FIRST LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING webhook_id, url, secret, failing_since,
                CASE WHEN previous_secret_expires_at > now() THEN previous_secret END AS previous_secret
            """, settings.endpointHold.seconds)
        guard let row = rows.first else { return nil }
        let id = try row.decode(UUID.self, column: "webhook_id")
        var secrets = [try secretKey.open(try row.decode(Data.self, column: "secret"), for: id)]
        if let previous = try row.decode(Data?.self, column: "previous_secret") { secrets.append(try secretKey.open(previous, for: id)) }
        return Endpoint(id: id, url: try row.decode(String.self, column: "url"), secrets: secrets,
                        failingSince: try row.decode(Date?.self, column: "failing_since"))
    }

    private func renewHold(of endpoint: Endpoint, _ db: PostgresConnection) throws {
        try db.execute("UPDATE webhook_endpoints SET leased_until = now() + make_interval(secs => $2) WHERE webhook_id = $1",
                       endpoint.id, settings.endpointHold.seconds)
    }

    private func due(of endpoint: Endpoint, _ db: PostgresConnection) throws -> [Delivery] {
        try db.query(
            """
            SELECT d.message_id, ev.message_type, d.attempts, ev.body FROM webhook_deliveries d
            JOIN webhook_events ev USING (message_id)
            WHERE d.webhook_id = $1 AND d.state = 'pending' AND d.next_attempt_at <= now()
            ORDER BY d.created_at, d.message_id LIMIT $2
            """, endpoint.id, settings.deliveriesPerClaim
        ).map { row in
            Delivery(messageId: try row.decode(String.self, column: "message_id"), messageType: try row.decode(String.self, column: "message_type"),
                     attempts: try row.decode(Int.self, column: "attempts"), body: try row.decode(String.self, column: "body"))
        }
    }

    // MARK: Sending

    private func send(_ delivery: Delivery, to endpoint: Endpoint, _ db: PostgresConnection) throws -> DeliveryVerdict {
        let body = Data(delivery.body.utf8)
        let signature = StandardWebhookSignature(id: delivery.messageId, timestamp: Int(Date().timeIntervalSince1970), body: body,
                                                 secrets: endpoint.secrets)
        let verdict = MessageTracing.withClientSpan("webhook send", attributes: ["server.address": endpoint.url]) {
            poster.post(HTTPDeliveryRequest(url: endpoint.url, body: body, contentType: "application/cloudevents+json",
                                            headers: signature.headers)).verdict
        }
        let attempt = delivery.attempts + 1
        var metadata: Logger.Metadata = ["webhook_id": "\(endpoint.id.lowercasedString)", "message_id": "\(delivery.messageId)",
                                         "attempt": "\(attempt)"]
        switch verdict {
        case .delivered:
            try db.execute(
                """
                UPDATE webhook_deliveries SET state = 'delivered', delivered_at = now(), attempts = $3, last_error = NULL
                WHERE webhook_id = $1 AND message_id = $2 AND state = 'pending'
                """, endpoint.id, delivery.messageId, attempt)
        case .retry(let reason) where settings.retryLadder.rung(after: attempt) != nil:
            let delay = settings.retryLadder.delays[settings.retryLadder.rung(after: attempt)!]
            metadata["error"] = "\(reason)"
            logger.info("webhook delivery failed; will retry", metadata: metadata)
            try db.execute(
                """
                UPDATE webhook_deliveries SET attempts = $3, last_error = $4, next_attempt_at = now() + make_interval(secs => $5)
                WHERE webhook_id = $1 AND message_id = $2 AND state = 'pending'
                """, endpoint.id, delivery.messageId, attempt, reason, delay.seconds)
        case .retry(let reason):
            try giveUp(delivery, of: endpoint, kind: .retriesExhausted, reason: "\(endpoint.url): \(reason)", attempts: attempt, db)
        case .refused(let reason):
            try giveUp(delivery, of: endpoint, kind: .rejected, reason: "\(endpoint.url): \(reason)", attempts: attempt, db)
        }
        return verdict
    }

    /// Dead-letters the delivery as `webhook.redeliver.v1`, so a replay sends it again, then
    /// records it dead. A sender that dies in between leaves it pending: it is tried once more
    /// and may be dead-lettered twice, which a replay treats as one.
    private func giveUp(_ delivery: Delivery, of endpoint: Endpoint, kind: FailureKind, reason: String, attempts: Int,
                        _ db: PostgresConnection) throws {
        logger.warning("webhook delivery dead-lettered", metadata: [
            "webhook_id": "\(endpoint.id.lowercasedString)", "message_id": "\(delivery.messageId)", "error": "\(reason)",
        ])
        let command = RedeliverWebhook(webhookId: endpoint.id, messageId: delivery.messageId, messageType: delivery.messageType,
                                       url: endpoint.url)
        let message = try OutgoingMessage.make(command, source: "airfleet/\(WebhooksContext.name)", subject: endpoint.id.lowercasedString,
                                               correlationId: delivery.messageId)
        let letter = message.deadLetter(of: WebhooksContext.name, kind: kind, reason: reason, attempts: attempts,
                                        consumer: consumer, at: Date())
        guard case .confirmed = try connections.channel().publishConfirmed([letter]).first else {
            throw WebhookDeliveryError("the broker did not confirm the dead letter of \(delivery.messageId) for webhook \(endpoint.id.lowercasedString)")
        }
        try db.execute(
            """
            UPDATE webhook_deliveries SET state = 'dead', attempts = $3, last_error = $4
            WHERE webhook_id = $1 AND message_id = $2 AND state = 'pending'
            """, endpoint.id, delivery.messageId, attempts, reason)
    }

    // MARK: Letting go

    /// What one hold of an endpoint came to.
    struct EndpointOutcome {
        var delivered = 0
        var failure: String?
        /// A failure worth waiting on before the endpoint is tried again (not a refusal).
        var pause = false

        mutating func record(_ verdict: DeliveryVerdict) {
            switch verdict {
            case .delivered: delivered += 1
            case .retry(let reason): failure = reason; pause = true
            case .refused(let reason): failure = reason
            }
        }
    }

    /// Lets go of the endpoint: a success ends its failing spell; a failure starts or continues
    /// one, pauses it after a retry, and disables it once the spell is longer than allowed.
    private func release(_ endpoint: Endpoint, _ outcome: EndpointOutcome, _ db: PostgresConnection) throws {
        guard let failure = outcome.failure else {
            try db.execute(
                """
                UPDATE webhook_endpoints SET leased_until = NULL, failing_since = NULL, paused_until = NULL,
                    last_delivered_at = CASE WHEN $2 > 0 THEN now() ELSE last_delivered_at END
                WHERE webhook_id = $1
                """, endpoint.id, outcome.delivered)
            return
        }
        let disabled = try db.query(
            """
            UPDATE webhook_endpoints SET leased_until = NULL, last_error = $2,
                failing_since = CASE WHEN $3 > 0 THEN now() ELSE coalesce(failing_since, now()) END,
                last_delivered_at = CASE WHEN $3 > 0 THEN now() ELSE last_delivered_at END,
                paused_until = CASE WHEN $4 THEN now() + make_interval(secs => $5) END,
                state = CASE WHEN failing_since <= now() - make_interval(secs => $6) AND $3 = 0 THEN 'disabled' ELSE state END,
                disabled_at = CASE WHEN failing_since <= now() - make_interval(secs => $6) AND $3 = 0 THEN now() ELSE disabled_at END
            WHERE webhook_id = $1 RETURNING state
            """, endpoint.id, failure, outcome.delivered, outcome.pause, settings.pauseAfterFailure.seconds,
            settings.disableAfter.seconds)
        if try disabled.first?.decode(String.self, column: "state") == "disabled" {
            logger.error("webhook endpoint disabled: it has failed for longer than allowed", metadata: [
                "webhook_id": "\(endpoint.id.lowercasedString)", "url": "\(endpoint.url)",
                "failing_since": "\(endpoint.failingSince.map(FleetJSON.formatTimestamp) ?? "now")", "error": "\(failure)",
            ])
        }
    }
}

struct WebhookDeliveryError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
