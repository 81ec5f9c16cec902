import Contracts
import Fleet
import Foundation
import SMTP

/// Emails sent for a batch before its handlers ran, by delivery key, each taken once by the
/// handler that would have sent it; what a handler does not take is forgotten with the next batch.
final class SentAhead: @unchecked Sendable {
    struct Delivery {
        let messageId: String
        let result: Result<Void, SMTPError>
    }

    private let lock = NSLock()
    private var deliveries: [String: Delivery] = [:]

    func take(_ key: String) -> Delivery? {
        lock.withLock { deliveries.removeValue(forKey: key) }
    }

    func replace(with deliveries: [String: Delivery]) {
        lock.withLock { self.deliveries = deliveries }
    }
}

extension Postman {
    /// Sends many emails as one: one ledger claim for all, the SMTP exchanges side by side, one
    /// settle for all, and each outcome kept for the handler of its letter, which announces it
    /// as if it had sent it. Letters the ledger does not hand over (sent, refused or in doubt
    /// already) are left to their handlers, which find out why.
    ///
    /// The promises are those of `deliver`: the claim is committed before the exchange and the
    /// outcome after it, outside any transaction of the handlers.
    func sendAhead(_ letters: [Letter], at date: Date, traces: [String: MessageTrace] = [:]) throws {
        var seen = Set<String>()
        let entries = letters.compactMap { letter -> DeliveryLedger.Entry? in
            guard seen.insert(letter.key.description).inserted, let content = try? render(letter, at: date) else { return nil }
            return DeliveryLedger.Entry(key: letter.key, addressee: letter.addressee, flightId: letter.flightId,
                                        messageId: messageId(letter.key), content: content)
        }
        let claims = try ledger.claim(entries)
        let claimed = entries.compactMap { entry -> (entry: DeliveryLedger.Entry, attempt: Int)? in
            guard case .claimed(let attempt)? = claims[entry.key.description] else { return nil }
            return (entry, attempt)
        }
        let sender = mailer.settings.sender
        let results = exchanges.map(claimed) { [self] claim in
            let entry = claim.entry
            return exchange(entry.content.message(kind: entry.key.kind, deliveryKey: entry.key.description,
                                                  to: entry.addressee.email, messageId: entry.messageId, from: sender),
                            in: traces[entry.key.description])
        }
        try ledger.settle(zip(claimed, results).map { claim, result in
            Self.settlement(result, key: claim.entry.key.description, attempt: claim.attempt, ifItMayPassLater: .retrying)
        })
        sentAhead.replace(with: Dictionary(uniqueKeysWithValues: zip(claimed, results).map { claim, result in
            (claim.entry.key.description, SentAhead.Delivery(messageId: claim.entry.messageId, result: result))
        }))
    }
}
