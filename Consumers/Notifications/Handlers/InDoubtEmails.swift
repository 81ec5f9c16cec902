import Fleet
import Foundation

/// The job that makes delivery at least once: every process looks, as often as for reminders,
/// for emails left `sending` past the grace period (their sender died or froze inside the SMTP
/// exchange) and sends them again with the same Message-ID. It does not wait for a delivery of
/// the event: the event may have been handled already by a process that found the row still
/// within its grace period.
enum InDoubtEmails {
    static func resend(_ postman: Postman, batch: Int, _ context: HandlerContext) throws {
        for delivery in try postman.ledger.claimInDoubt(limit: batch) {
            _ = try postman.resend(delivery, context)
        }
    }
}
