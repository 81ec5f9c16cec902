import Contracts
import Fleet
import Foundation
import HTTPDelivery
import Logging

/// Notices by SMS and push: a signed POST (Standard Webhooks) of a provider-neutral JSON body to
/// the operator's gateway for the channel (`AIRFLEET_SMS_GATEWAY_URL`, `AIRFLEET_PUSH_GATEWAY_URL`),
/// through libcurl; one SMS to the customer's phone number, one push to each of their devices.
///
/// At least once, and once in effect: a delivery the gateway took is recorded `sent` in the
/// ledger (`gateway_deliveries`, on the ledger's own connection) and never sent again; any other
/// outcome leaves it to the message's next try, and the gateway folds copies by `webhook-id`,
/// which is the delivery's key on every attempt.
final class GatewayMessenger: Sendable {
    struct Gateway: Sendable, Equatable {
        var url: String
        /// Signs each delivery when set.
        var secret: WebhookSecret?
    }

    /// What a gateway receives.
    struct Notice: Encodable, Equatable {
        var channel: NotificationChannel
        /// The delivery's key, also its `webhook-id`.
        var deliveryId: String
        /// A phone number (sms) or a device's token (push).
        var recipient: String
        var platform: DevicePlatform?
        var text: String
        var kind: NotificationKind
        var bookingId: UUID?
        var flightId: UUID?
        var customerId: UUID?
    }

    let sms: Gateway?
    let push: Gateway?
    let poster: HTTPPoster
    let ledger: DeliveryLedger

    init(sms: Gateway?, push: Gateway?, poster: HTTPPoster, ledger: DeliveryLedger) {
        self.sms = sms
        self.push = push
        self.poster = poster
        self.ledger = ledger
    }

    /// Sends `letter` by SMS and by push, as far as its customer chose them for its kind of
    /// notice and has a phone number or devices, and a gateway is configured; `text` renders it.
    func deliver(_ letter: Letter, to contact: ContactBook.Contact, text: () throws -> String,
                 _ context: HandlerContext) throws -> DeliveryOutcome {
        let channels = contact.preferences.channels(for: letter.key.kind)
        var outcomes: [DeliveryOutcome] = []
        var rendered: String?
        func message() throws -> String {
            if let rendered { return rendered }
            rendered = try text()
            return rendered!
        }
        if channels.contains(.sms), let phone = contact.phone, let sms {
            outcomes.append(try send(letter, key: "\(letter.key):sms", channel: .sms, to: phone, platform: nil, text: message,
                                     through: sms, context))
        }
        if channels.contains(.push), let push, let customerId = letter.addressee.customerId {
            for device in try ContactBook.devices(context.database, of: customerId) {
                outcomes.append(try send(letter, key: "\(letter.key):push:\(device.deviceId.lowercasedString)", channel: .push,
                                         to: device.token, platform: device.platform, text: message, through: push, context))
            }
        }
        return DeliveryOutcome.combining(outcomes)
    }

    private func send(_ letter: Letter, key: String, channel: NotificationChannel, to recipient: String, platform: DevicePlatform?,
                      text: () throws -> String, through gateway: Gateway, _ context: HandlerContext) throws -> DeliveryOutcome {
        if let state = try ledger.gatewayState(key), state != "retrying" { return .skipped }
        let notice = Notice(channel: channel, deliveryId: key, recipient: recipient, platform: platform, text: try text(),
                            kind: letter.key.kind, bookingId: letter.addressee.bookingId, flightId: letter.flightId,
                            customerId: letter.addressee.customerId)
        let body = try Self.encoder.encode(notice)
        let headers = gateway.secret.map {
            StandardWebhookSignature(id: key, timestamp: Int(Date().timeIntervalSince1970), body: body, secrets: [$0]).headers
        } ?? [("webhook-id", key)]
        let result = MessageTracing.withClientSpan("\(channel.rawValue) send", attributes: ["server.address": gateway.url]) {
            poster.post(HTTPDeliveryRequest(url: gateway.url, body: body, headers: headers))
        }
        func record(_ state: String, _ error: String? = nil) throws {
            try ledger.recordGateway(key, channel: channel.rawValue, customerId: letter.addressee.customerId, recipient: recipient,
                                     state: state, error: error)
        }
        var metadata: Logger.Metadata = ["delivery": "\(key)"]
        switch result.verdict {
        case .delivered:
            try record("sent")
            context.logger.debug("\(channel.rawValue) notice sent", metadata: metadata)
            return .sent
        case .retry(let reason):
            try record("retrying", reason)
            metadata["error"] = "\(reason)"
            context.logger.info("\(channel.rawValue) notice not sent; will retry", metadata: metadata)
            return .retryLater("\(channel.rawValue) gateway: \(reason)")
        case .refused(let reason):
            try record("failed", reason)
            metadata["error"] = "\(reason)"
            context.logger.warning("\(channel.rawValue) notice refused by the gateway", metadata: metadata)
            return .refused("\(channel.rawValue) gateway: \(reason)")
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
