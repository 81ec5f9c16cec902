import Contracts
import Fleet
import FleetTestSupport
import Foundation
@testable import Notifications
import XCTest

/// The delivery ledger against a real database: a connection that drops, as a restart does, and
/// claims left by senders that went silent.
final class LedgerTests: NotificationsTestCase {
    private func ledger(_ name: String, gracePeriod: Duration = .seconds(60)) throws -> DeliveryLedger {
        let ledger = DeliveryLedger(logger: fleet.logger, gracePeriod: gracePeriod, settleRetryTime: .seconds(20))
        ledger.configure(try fleet.configuration.database(for: "notifications"), schema: fleet.configuration.schema(for: "notifications"),
                         applicationName: name)
        return ledger
    }

    private func entry(_ booking: UUID = UUID()) -> DeliveryLedger.Entry {
        let key = DeliveryKey(.booking(booking), .bookingConfirmed)
        return DeliveryLedger.Entry(key: key, addressee: NotificationAddressee(bookingId: booking, email: "ann@example.com"),
                                    flightId: nil, messageId: key.messageId(domain: "airfleet.local"),
                                    content: StoredEmail(recipientName: "Ann", subject: "Booking confirmed", text: "ticket 999",
                                                           html: nil, date: Date(timeIntervalSince1970: 1_800_000_000)))
    }

    private func state(_ entry: DeliveryLedger.Entry) throws -> String? {
        try fleet.database().query("SELECT state FROM \(schema).deliveries WHERE delivery_key = $1", entry.key.description)
            .first?.decode(String.self, at: 0)
    }

    /// An email has gone out when the ledger's session is ended: recording it must still succeed,
    /// or the row stays `sending` and the email is sent again after the grace period.
    func testAnEmailSentWhileTheDatabaseDropsTheLedgerIsStillRecordedAsSent() throws {
        try startConsumer()  // migrates the schema
        let name = "airfleet-ledger-test-\(UUID().uuidString.prefix(8).lowercased())"
        let ledger = try ledger(name)
        let entry = entry()
        XCTAssertEqual(try ledger.claim(entry), .claimed(attempt: 1))

        // The email is with the SMTP server now; the database ends the ledger's session.
        let ended = try fleet.integer(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) ended", name)
        XCTAssertEqual(ended, 1, "the ledger's own session")

        try ledger.settle(entry.key.description, attempt: 1, .sent)
        XCTAssertEqual(try state(entry), "sent")
        XCTAssertEqual(try ledger.claim(entry), .alreadySent, "a later delivery of the event announces it and sends nothing")
    }

    /// Two processes: the first claims and goes silent. Within the grace period the email is
    /// left alone; after it, exactly one of a redelivery and the sweep takes it over, with the
    /// rendered email as first claimed; and the first sender, if it was only slow, cannot undo
    /// the outcome of the one that took over.
    func testASilentClaimIsTakenOverOnceAfterTheGracePeriodAndALateSettleOfTheFirstDoesNotUndoIt() throws {
        try startConsumer()
        let first = try ledger("airfleet-ledger-first", gracePeriod: .seconds(2))
        let second = try ledger("airfleet-ledger-second", gracePeriod: .seconds(2))
        let entry = entry()
        XCTAssertEqual(try first.claim(entry), .claimed(attempt: 1))
        XCTAssertEqual(try second.claim(entry), .inDoubt, "the first may still be inside its SMTP exchange")
        XCTAssertTrue(try second.claimInDoubt(limit: 10).isEmpty)

        Thread.sleep(forTimeInterval: 2.5)
        let swept = try second.claimInDoubt(limit: 10)
        XCTAssertEqual(try first.claim(entry), .inDoubt, "the sweep's claim restarted the grace period")
        XCTAssertTrue(try first.claimInDoubt(limit: 10).isEmpty, "taken once")
        XCTAssertEqual(swept.count, 1)
        XCTAssertEqual(swept.first?.attempt, 2)
        XCTAssertEqual(swept.first?.messageId, entry.messageId)
        XCTAssertEqual(swept.first?.content, entry.content, "the same email, Date included")

        try first.settle(entry.key.description, attempt: 1, .retrying, error: "timed out")
        XCTAssertEqual(try state(entry), "sending", "the late outcome of attempt 1 is not the row's")
        try second.settle(entry.key.description, attempt: 2, .sent)
        try first.settle(entry.key.description, attempt: 1, .failed, error: "550")
        XCTAssertEqual(try state(entry), "sent", "sent is final")
    }
}
