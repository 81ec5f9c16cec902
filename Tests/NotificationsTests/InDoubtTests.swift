import Contracts
import Fleet
import FleetTestSupport
import Foundation
import Notifications
import XCTest

/// A notifications process killed inside its SMTP exchange leaves its email `sending`, and nobody
/// can know whether the server took it. A missing confirmation (it carries the ticket numbers)
/// is worse than a duplicate, so such an email is sent again once the grace period has passed,
/// with the same Message-ID, whatever redelivers its event or does not.
final class InDoubtTests: NotificationsTestCase {
    override var resendAfter: Duration? { .seconds(3) }

    func testAConfirmationWhoseSenderIsKilledInsideTheSMTPExchangeIsSentAgainWithTheSameMessageId() throws {
        // A real consumer process, whose SMTP exchange hangs: the sink is frozen, so the
        // connection is accepted and the greeting never comes.
        let sender = try AirfleetProcess(["consume", "notifications"], environment: fleet.environment.merging([
            "AIRFLEET_SMTP_URL": sink.url, "AIRFLEET_SMTP_TIMEOUT": "60s", "AIRFLEET_EMAIL_RESEND_AFTER": "90s",
        ]) { $1 })
        defer {
            sender.kill()
            if testRun?.hasSucceeded == false { print(sender.output) }
        }
        let flight = flight(departingIn: hours(240))
        let booking = confirmed(flight, email: "ticket@example.com")
        try fleet.eventually("the consumer process has made its schema", timeout: .seconds(60)) {
            (try? fleet.integer("SELECT count(*) FROM \(schema).deliveries")) != nil
        }
        sink.pause()
        try publish(FlightScheduled(flight: flight))
        try publish(booking)
        try fleet.eventually("the confirmation is claimed and inside its SMTP exchange", timeout: .seconds(30)) {
            try ledgerState(bookingKey(booking)) == "sending"
        }
        Thread.sleep(forTimeInterval: 0.5)
        sender.kill()
        sink.resume()

        // Another process gets the event again, finds the email in doubt, and it goes out once the
        // grace period has passed.
        try startConsumer()
        let mail = try waitForMail(1, "confirmation sent again", timeout: .seconds(30))
        XCTAssertEqual(mail[0].recipient, "ticket@example.com")
        XCTAssertEqual(mail[0].headers["message-id"], "<booking-confirmed.1.b.\(booking.bookingId.lowercasedString)@airfleet.local>")
        XCTAssertTrue(mail[0].part("text/plain")?.contains("9991234567901") ?? false, "the ticket number is in it")
        try fleet.eventually("the ledger records it sent") { try ledgerState(bookingKey(booking)) == "sent" }
        XCTAssertEqual(try fleet.integer("SELECT attempts FROM \(schema).deliveries"), 2, "the killed claim and the one that sent")
        settle()
        XCTAssertEqual(try sink.messages().count, 1, "the killed sender never reached the frozen sink's DATA")
    }

    func testAnEmailLeftSendingIsSentAgainEvenWhenNoMessageComesBackForIt() throws {
        try startConsumer()
        let flight = flight(departingIn: hours(240))
        let booking = confirmed(flight, email: "late@example.com")
        try publish(FlightScheduled(flight: flight))
        try publish(booking)
        let first = try waitForMail(1, "confirmation")[0]
        try fleet.eventually("the queue is empty") { try fleet.totalMessages("airfleet.notifications") == 0 }

        // As a process killed between the server's 250 and the ledger's settle leaves it: sent,
        // but `sending` in the ledger, its event long acknowledged.
        _ = try fleet.database().execute(
            "UPDATE \(schema).deliveries SET state = 'sending', updated_at = now() - interval '1 hour' WHERE delivery_key = $1",
            bookingKey(booking))
        let mail = try waitForMail(2, "the in-doubt confirmation sent again by the sweep")
        XCTAssertEqual(mail[1].headers["message-id"], first.headers["message-id"], "mail clients fold the duplicate")
        XCTAssertEqual(mail[1].headers["date"], first.headers["date"], "the same message, not a new one")
        try fleet.eventually("the ledger records it sent") { try ledgerState(bookingKey(booking)) == "sent" }
        settle()
        XCTAssertEqual(try sink.messages().count, 2)
    }
}
