import Contracts
import Fleet
import Foundation
import Logging
import SMTP

/// One email to write: who it is for, what it is about, and the template's data.
struct Letter {
    var key: DeliveryKey
    var addressee: NotificationAddressee
    var recipientName: String?
    var flightId: UUID?
    /// The template's model, made when the email is rendered: a letter whose email its batch
    /// sent ahead (`SentAhead`) is not rendered again.
    var model: () -> [String: Any]
}

enum DeliveryOutcome: Equatable {
    case sent
    /// The ledger says it was sent, refused or is in doubt already, or the customer chose not to
    /// be told this kind of notice by this channel.
    case skipped
    /// May pass later (connection lost, timeout, 4xx): the caller retries.
    case retryLater(String)
    /// Refused for good (5xx, bad TLS or login); announced as `notification.failed.v1`.
    case refused(String)
}

extension DeliveryOutcome {
    /// One outcome for a notice sent by several channels: a retry when any may pass later, else
    /// a refusal when any was refused, else sent when any went out.
    static func combining(_ outcomes: [DeliveryOutcome]) -> DeliveryOutcome {
        for outcome in outcomes { if case .retryLater = outcome { return outcome } }
        for outcome in outcomes { if case .refused = outcome { return outcome } }
        return outcomes.contains(.sent) ? .sent : .skipped
    }
}

/// Renders, records and sends emails: render, ledger claim (with the rendered email), SMTP,
/// ledger settle, event; and sends again, from the ledger, emails whose sender went silent.
final class Postman: @unchecked Sendable {
    let templates: NotificationTemplates
    let mailer: SMTPMailer
    let ledger: DeliveryLedger
    /// Emails of the batch at hand that `sendAhead` sent before its handlers ran.
    let sentAhead = SentAhead()
    /// Threads for the SMTP exchanges of a batch sent ahead, one per pooled connection.
    let exchanges = BlockingCallThreads(width: SMTPMailer.poolSize, name: "smtp")

    init(templates: NotificationTemplates, mailer: SMTPMailer, ledger: DeliveryLedger) {
        self.templates = templates
        self.mailer = mailer
        self.ledger = ledger
    }

    private var domain: String {
        let address = mailer.settings.sender.address
        return address.split(separator: "@").last.map(String.init) ?? "airfleet.local"
    }

    func deliver(_ letter: Letter, _ context: HandlerContext) throws -> DeliveryOutcome {
        if let ahead = sentAhead.take(letter.key.description) {
            return try announce(ahead.result, deliveryKey: letter.key.description, kind: letter.key.kind, to: letter.addressee,
                                flightId: letter.flightId, messageId: ahead.messageId, context)
        }
        let kind = letter.key.kind
        let messageId = letter.key.messageId(domain: domain)
        let content: StoredEmail
        do {
            content = try render(letter, at: context.now)
        } catch {
            return .retryLater("cannot render \(kind.rawValue): \(error)")
        }
        let entry = DeliveryLedger.Entry(key: letter.key, addressee: letter.addressee, flightId: letter.flightId,
                                         messageId: messageId, content: content)
        let attempt: Int
        switch try ledger.claim(entry) {
        case .claimed(let claimed):
            attempt = claimed
        case .alreadySent:
            // Announced again in case the transaction that announced it first rolled back.
            try context.emit(NotificationSent(deliveryKey: letter.key.description, kind: kind, to: letter.addressee,
                                              flightId: letter.flightId, messageId: messageId, sentAt: context.now))
            return .skipped
        case .alreadyFailed(let error):
            // Announced again: a booking's own refused email dead-letters its message, which
            // rolls back the first announcement.
            try context.emit(NotificationFailed(deliveryKey: letter.key.description, kind: kind, to: letter.addressee,
                                                flightId: letter.flightId, reason: .rejected, detail: error, failedAt: context.now))
            return .skipped
        case .inDoubt:
            context.logger.notice(
                "email is being sent by another process, or was when that process went silent; if it is still unsettled after the grace period, the in-doubt sweep sends it again",
                metadata: ["delivery": "\(letter.key)"])
            return .skipped
        }
        let message = content.message(kind: kind, deliveryKey: letter.key.description, to: letter.addressee.email,
                                      messageId: messageId, from: mailer.settings.sender)
        return try send(message, deliveryKey: letter.key.description, kind: kind, to: letter.addressee,
                        flightId: letter.flightId, attempt: attempt, ifItMayPassLater: .retrying, context)
    }

    func render(_ letter: Letter, at date: Date) throws -> StoredEmail {
        var model = letter.model()
        model["name"] = model["name"] ?? letter.recipientName ?? "traveller"
        let rendered = try templates.render(letter.key.kind, model)
        return StoredEmail(recipientName: letter.recipientName, subject: rendered.subject, text: rendered.text,
                           html: rendered.html, date: date)
    }

    func messageId(_ key: DeliveryKey) -> String { key.messageId(domain: domain) }

    /// Sends an email its sender went silent on, the same message with the same Message-ID.
    func resend(_ delivery: InDoubtDelivery, _ context: HandlerContext) throws -> DeliveryOutcome {
        context.logger.notice("sending again an email whose sender went silent during its SMTP exchange",
                              metadata: ["delivery": "\(delivery.deliveryKey)", "attempt": "\(delivery.attempt)"])
        let message = delivery.content.message(kind: delivery.kind, deliveryKey: delivery.deliveryKey,
                                               to: delivery.addressee.email, messageId: delivery.messageId,
                                               from: mailer.settings.sender)
        // No message will bring it back (its event was handled, or is on the retry ladder and
        // will find the row claimed), so a passing failure leaves it `sending` for the next sweep.
        return try send(message, deliveryKey: delivery.deliveryKey, kind: delivery.kind, to: delivery.addressee,
                        flightId: delivery.flightId, attempt: delivery.attempt, ifItMayPassLater: .sending, context)
    }

    /// SMTP, then the ledger's settle, then the event; the caller holds the claim for `attempt`.
    /// A failure that may pass is recorded as `passingFailure`: `retrying` when a message will
    /// come back for it, `sending` (another grace period) when only the in-doubt sweep will.
    private func send(_ message: MailMessage, deliveryKey: String, kind: NotificationKind, to addressee: NotificationAddressee,
                      flightId: UUID?, attempt: Int, ifItMayPassLater passingFailure: NotificationView.State,
                      _ context: HandlerContext) throws -> DeliveryOutcome {
        let result = exchange(message)
        try ledger.settle([Self.settlement(result, key: deliveryKey, attempt: attempt, ifItMayPassLater: passingFailure)])
        return try announce(result, deliveryKey: deliveryKey, kind: kind, to: addressee, flightId: flightId,
                            messageId: message.messageId, context)
    }

    /// One SMTP exchange, a client span under `trace` (or the current span, a handler's).
    func exchange(_ message: MailMessage, in trace: MessageTrace? = nil) -> Result<Void, SMTPError> {
        do throws(SMTPError) {
            try MessageTracing.withClientSpan("smtp send", in: trace) {
                () throws(SMTPError) in try mailer.send(message)
            }
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// How the ledger records an SMTP exchange's result.
    static func settlement(_ result: Result<Void, SMTPError>, key: String, attempt: Int,
                           ifItMayPassLater passingFailure: NotificationView.State) -> DeliveryLedger.Settlement {
        switch result {
        case .success: DeliveryLedger.Settlement(key: key, attempt: attempt, state: .sent)
        case .failure(let error):
            DeliveryLedger.Settlement(key: key, attempt: attempt, state: error.isTransient ? passingFailure : .failed,
                                      error: error.message)
        }
    }

    /// Logs a settled exchange and announces it: `notification.sent.v1`, or `notification.failed.v1`
    /// for a refusal; a failure that may pass is announced by nothing but the retry.
    private func announce(_ result: Result<Void, SMTPError>, deliveryKey: String, kind: NotificationKind,
                          to addressee: NotificationAddressee, flightId: UUID?, messageId: String,
                          _ context: HandlerContext) throws -> DeliveryOutcome {
        var metadata: Logger.Metadata = ["delivery": "\(deliveryKey)"]
        switch result {
        case .success:
            // The ledger row and notification.sent.v1 record every email; a log line each would
            // only repeat them, at a cost per email.
            context.logger.debug("email sent", metadata: metadata)
            try context.emit(NotificationSent(deliveryKey: deliveryKey, kind: kind, to: addressee, flightId: flightId,
                                              messageId: messageId, sentAt: context.now))
            return .sent
        case .failure(let error):
            metadata["error"] = "\(error.message)"
            if error.isTransient {
                context.logger.info("email not sent; will retry", metadata: metadata)
                return .retryLater(error.message)
            }
            context.logger.warning("email refused", metadata: metadata)
            try context.emit(NotificationFailed(
                deliveryKey: deliveryKey, kind: kind, to: addressee, flightId: flightId,
                reason: error.kind == .permanentReply ? .rejected : .undeliverable, detail: error.message, failedAt: context.now))
            return .refused(error.message)
        }
    }
}
