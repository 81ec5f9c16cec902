import Contracts
import Fleet
import Foundation
import Postgres
import SMTP

/// An email as rendered for its first try, kept beside its ledger row (`delivery_contents`) so that
/// whoever sends it again, after the process that claimed it died, sends the same message: the
/// same Message-ID, Date, subject and bodies, however the read model has moved since.
struct StoredEmail: Codable, Equatable {
    var recipientName: String?
    var subject: String
    var text: String
    var html: String?
    var date: Date

    /// The message for the SMTP server.
    func message(kind: NotificationKind, deliveryKey: String, to address: String, messageId: String,
                 from sender: MailAddress) -> MailMessage {
        MailMessage(from: sender, to: MailAddress(address, name: recipientName), subject: subject, text: text, html: html,
                    messageId: messageId, date: date,
                    extraHeaders: [("X-Airfleet-Kind", kind.rawValue), ("X-Airfleet-Delivery", deliveryKey)])
    }

    var json: PostgresJSON {
        get throws { try PostgresJSON(encoding: self, encoder: FleetJSON.standardEncoder) }
    }

    init(recipientName: String?, subject: String, text: String, html: String?, date: Date) {
        self.recipientName = recipientName
        self.subject = subject
        self.text = text
        self.html = html
        self.date = date
    }

    init(_ json: PostgresJSON) throws {
        self = try json.decode(StoredEmail.self, decoder: FleetJSON.standardDecoder)
    }
}
