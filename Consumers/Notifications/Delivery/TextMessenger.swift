import Contracts
import Fleet
import Foundation
import HTTPDelivery
import Logging

/// Notices by SMS: a signed POST (Standard Webhooks) of a provider-neutral JSON body to the
/// operator's SMS gateway (`AIRFLEET_SMS_GATEWAY_URL`), through libcurl.
///
/// At least once, and once in effect: a delivery the gateway took is recorded `sent` in the
/// ledger (`gateway_deliveries`, on the ledger's own connection) and never sent again; any other
/// outcome leaves it to the message's next try, and the gateway folds copies by `webhook-id`,
/// which is the delivery's key on every attempt.
final class TextMessenger: Sendable {
    struct Gateway: Sendable, Equatable {
        var url: String
        /// Signs each delivery when set.
        var secret: WebhookSecret?
    }

    /// What the gateway receives.
    struct Notice: Encodable, Equatable {
        var channel = "sms"
        var deliveryId: String
        var recipient: String
        var text: String
        var kind: NotificationKind
        var bookingId: UUID?
        var flightId: UUID?
        var customerId: UUID?
    }

    let gateway: Gateway?
    let poster: HTTPPoster
    let ledger: DeliveryLedger

    init(gateway: Gateway?, poster: HTTPPoster, ledger: DeliveryLedger) {
        self.gateway = gateway
        self.poster = poster
        self.ledger = ledger
    }

    /// Sends `letter` by SMS when its customer chose SMS for its kind of notice and has a phone
    /// number, and a gateway is configured; `text` renders the message.
    func deliver(_ letter: Letter, to contact: ContactBook.Contact, text: () throws -> String,
                 _ context: HandlerContext) throws -> DeliveryOutcome {
        guard contact.preferences.channels(for: letter.key.kind).contains(.sms), let phone = contact.phone else { return .skipped }
        guard let gateway else {
            context.logger.debug("SMS not sent: no AIRFLEET_SMS_GATEWAY_URL", metadata: ["delivery": "\(letter.key)"])
            return .skipped
        }
        let key = "\(letter.key):sms"
        if let state = try ledger.gatewayState(key), state != "retrying" { return .skipped }
        let notice = Notice(deliveryId: key, recipient: phone, text: try text(), kind: letter.key.kind,
                            bookingId: letter.addressee.bookingId, flightId: letter.flightId, customerId: letter.addressee.customerId)
        let body = try Self.encoder.encode(notice)
        var headers: [(name: String, value: String)] = []
        if let secret = gateway.secret {
            headers = StandardWebhookSignature(id: key, timestamp: Int(Date().timeIntervalSince1970), body: body, secrets: [secret]).headers
        } else {
            headers = [("webhook-id", key)]
        }
        let result = MessageTracing.withClientSpan("sms send", attributes: ["server.address": gateway.url]) {
            poster.post(HTTPDeliveryRequest(url: gateway.url, body: body, headers: headers))
        }
        var metadata: Logger.Metadata = ["delivery": "\(key)"]
        switch result.verdict {
        case .delivered:
            try ledger.recordGateway(key, channel: "sms", customerId: letter.addressee.customerId, recipient: phone, state: "sent")
            context.logger.debug("SMS sent", metadata: metadata)
            return .sent
        case .retry(let reason):
            try ledger.recordGateway(key, channel: "sms", customerId: letter.addressee.customerId, recipient: phone,
                                     state: "retrying", error: reason)
            metadata["error"] = "\(reason)"
            context.logger.info("SMS not sent; will retry", metadata: metadata)
            return .retryLater("SMS gateway: \(reason)")
        case .refused(let reason):
            try ledger.recordGateway(key, channel: "sms", customerId: letter.addressee.customerId, recipient: phone,
                                     state: "failed", error: reason)
            metadata["error"] = "\(reason)"
            context.logger.warning("SMS refused by the gateway", metadata: metadata)
            return .refused("SMS gateway: \(reason)")
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

extension DeliveryLedger {
    /// The state of a gateway delivery, nil when it was never tried.
    func gatewayState(_ key: String) throws -> String? {
        try withConnection { db in
            try db.query("SELECT state FROM gateway_deliveries WHERE delivery_key = $1", key).first?.decode(String.self, at: 0)
        }
    }

    /// Records an attempt's outcome; `sent` is final.
    func recordGateway(_ key: String, channel: String, customerId: UUID?, recipient: String, state: String, error: String? = nil) throws {
        _ = try withConnection { db in
            try db.execute(
                """
                INSERT INTO gateway_deliveries AS g (delivery_key, channel, customer_id, recipient, state, attempts, error)
                VALUES ($1, $2, $3, $4, $5, 1, $6)
                ON CONFLICT (delivery_key) DO UPDATE SET state = EXCLUDED.state, error = EXCLUDED.error,
                    attempts = g.attempts + 1, updated_at = now()
                WHERE g.state <> 'sent'
                """, key, channel, customerId, recipient, state, error)
        }
    }
}
