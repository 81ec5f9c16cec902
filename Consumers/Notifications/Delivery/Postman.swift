import Contracts
import Fleet
import Foundation
import SMTP

/// One email to write: who it is for, what it is about, and the template's data.
struct Letter {
    var key: DeliveryKey
    var addressee: NotificationAddressee
    var recipientName: String?
    var flightId: UUID?
    var model: [String: Any]
}

enum DeliveryOutcome: Equatable {
    case sent
    /// The ledger says it was sent, refused or is in doubt already.
    case skipped
    /// May pass later (connection lost, timeout, 4xx): the caller retries.
    case retryLater(String)
    /// Refused for good (5xx, bad TLS or login); announced as `notification.failed.v1`.
    case refused(String)
}

/// Renders, records and sends emails: ledger claim, SMTP, ledger settle, event.
final class Postman: @unchecked Sendable {
    let templates: NotificationTemplates
    let mailer: SMTPMailer
    let ledger: DeliveryLedger

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
        let kind = letter.key.kind
        let messageId = letter.key.messageId(domain: domain)
        let entry = DeliveryLedger.Entry(key: letter.key, addressee: letter.addressee, flightId: letter.flightId, messageId: messageId)
        var metadata: [String: String] = ["delivery": "\(letter.key)"]
        switch try ledger.claim(entry) {
        case .claimed:
            break
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
            context.logger.warning("email is in doubt (another process is sending it, or one died while sending it); not sent again",
                                   metadata: metadata.mapValues { .string($0) })
            return .skipped
        }
        var model = letter.model
        model["name"] = model["name"] ?? letter.recipientName ?? "traveller"
        let message: MailMessage
        do {
            let content = try templates.render(kind, model)
            message = MailMessage(from: mailer.settings.sender, to: MailAddress(letter.addressee.email, name: letter.recipientName),
                                  subject: content.subject, text: content.text, html: content.html, messageId: messageId,
                                  date: context.now, extraHeaders: [("X-Airfleet-Kind", kind.rawValue),
                                                                    ("X-Airfleet-Delivery", letter.key.description)])
        } catch {
            try ledger.settle(letter.key, .retrying, error: "\(error)")
            return .retryLater("cannot render \(kind.rawValue): \(error)")
        }
        do {
            try mailer.send(message)
        } catch {
            metadata["error"] = error.message
            if error.isTransient {
                try ledger.settle(letter.key, .retrying, error: error.message)
                context.logger.info("email not sent; will retry", metadata: metadata.mapValues { .string($0) })
                return .retryLater(error.message)
            }
            try ledger.settle(letter.key, .failed, error: error.message)
            context.logger.warning("email refused", metadata: metadata.mapValues { .string($0) })
            try context.emit(NotificationFailed(
                deliveryKey: letter.key.description, kind: kind, to: letter.addressee, flightId: letter.flightId,
                reason: error.kind == .permanentReply ? .rejected : .undeliverable, detail: error.message, failedAt: context.now))
            return .refused(error.message)
        }
        try ledger.settle(letter.key, .sent)
        context.logger.info("email sent", metadata: metadata.mapValues { .string($0) })
        try context.emit(NotificationSent(deliveryKey: letter.key.description, kind: kind, to: letter.addressee,
                                          flightId: letter.flightId, messageId: messageId, sentAt: context.now))
        return .sent
    }
}
