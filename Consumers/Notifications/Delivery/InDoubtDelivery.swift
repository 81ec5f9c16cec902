import Contracts
import Foundation
import Postgres

/// An email whose sender went silent inside its SMTP exchange (killed, frozen, cut off) and that
/// the ledger has just handed to this process to send again.
struct InDoubtDelivery {
    var deliveryKey: String
    var kind: NotificationKind
    var addressee: NotificationAddressee
    var flightId: UUID?
    var messageId: String
    var content: StoredEmail
    /// This claim's attempt, for `settle`.
    var attempt: Int
}

extension DeliveryLedger {
    /// Claims up to `limit` rows left `sending` for longer than the grace period, each for one
    /// caller only (`SKIP LOCKED`, and the claim restarts the row's grace period), and returns
    /// them to be sent again. Rows written before the ledger kept the rendered email have nothing
    /// to send; a delivery of their event claims those instead.
    func claimInDoubt(limit: Int) throws -> [InDoubtDelivery] {
        try withConnection { db in
            try db.query(
                """
                UPDATE deliveries d SET attempts = d.attempts + 1, updated_at = now()
                FROM delivery_contents c
                WHERE d.delivery_key IN (
                    SELECT delivery_key FROM deliveries x
                    WHERE state = 'sending'
                      AND updated_at < now() - $1::double precision * interval '1 millisecond'
                      AND EXISTS (SELECT FROM delivery_contents kept WHERE kept.delivery_key = x.delivery_key)
                    ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                  AND d.state = 'sending' AND c.delivery_key = d.delivery_key
                RETURNING d.delivery_key, d.kind, d.booking_id, d.subscription_id, d.customer_id, d.flight_id, d.recipient,
                    d.message_id, c.content, d.attempts
                """, gracePeriod.milliseconds, limit
            ).map { row in
                let key = try row.decode(String.self, column: "delivery_key")
                guard let kind = NotificationKind(rawValue: try row.decode(String.self, column: "kind")) else {
                    throw LedgerError("delivery \(key) has an unknown kind")
                }
                return InDoubtDelivery(
                    deliveryKey: key, kind: kind,
                    addressee: NotificationAddressee(bookingId: try row.decode(UUID?.self, column: "booking_id"),
                                                     subscriptionId: try row.decode(UUID?.self, column: "subscription_id"),
                                                     customerId: try row.decode(UUID?.self, column: "customer_id"),
                                                     email: try row.decode(String.self, column: "recipient")),
                    flightId: try row.decode(UUID?.self, column: "flight_id"), messageId: try row.decode(String.self, column: "message_id"),
                    content: try StoredEmail(try row.decode(PostgresJSON.self, column: "content")), attempt: try row.decode(Int.self, column: "attempts"))
            }
        }
    }
}
