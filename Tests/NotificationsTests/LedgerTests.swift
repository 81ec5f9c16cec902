import Contracts
import Fleet
import FleetTestSupport
import Foundation
@testable import Notifications
import XCTest

/// The delivery ledger against a database that drops its connection, as a restart does.
final class LedgerTests: NotificationsTestCase {
    /// An email has gone out when the ledger's session is ended: recording it must still succeed,
    /// or the row stays `sending` and every later delivery of the event reads it as in doubt.
    func testAnEmailSentWhileTheDatabaseDropsTheLedgerIsStillRecordedAsSent() throws {
        try startConsumer()  // migrates the schema
        let name = "airfleet-ledger-test-\(UUID().uuidString.prefix(8).lowercased())"
        let ledger = DeliveryLedger(logger: fleet.logger, settleRetryTime: .seconds(20))
        ledger.configure(try fleet.configuration.database(for: "notifications"), schema: fleet.configuration.schema(for: "notifications"),
                         applicationName: name)
        let booking = UUID()
        let key = DeliveryKey(.booking(booking), .bookingConfirmed)
        let entry = DeliveryLedger.Entry(key: key, addressee: NotificationAddressee(bookingId: booking, email: "ann@example.com"),
                                         flightId: nil, messageId: key.messageId(domain: "airfleet.local"))
        XCTAssertEqual(try ledger.claim(entry), .claimed(attempt: 1))

        // The email is with the SMTP server now; the database ends the ledger's session.
        let ended = try fleet.integer(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) ended", name)
        XCTAssertEqual(ended, 1, "the ledger's own session")

        try ledger.settle(key, .sent)
        let database = try fleet.database()
        defer { database.close() }
        let state = try database.query("SELECT state FROM \(schema).deliveries WHERE delivery_key = $1", key.description)
            .first?.decode(String.self, at: 0)
        XCTAssertEqual(state, "sent")
        XCTAssertEqual(try ledger.claim(entry), .alreadySent, "a later delivery of the event announces it and sends nothing")
    }
}
