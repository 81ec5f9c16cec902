import AMQP
import Contracts
import Fleet
import FleetTestSupport
import Foundation
import Notifications
import XCTest

/// The confirmations of one batch are sent before its handlers run, side by side, with one
/// ledger claim and one settle for the lot, and each handler announces its own email's outcome
/// (a refusal of a booking's own email dead-letters its message, so only the dead letter tells it).
final class BatchDeliveryTests: NotificationsTestCase {
    override var sinkStartsUp: Bool { false }

    func testTheConfirmationsOfABatchGoOutSideBySideEachOnceAndEachIsAnnounced() throws {
        // A server that takes half a second per message: one after the other, eight would take four.
        sink.delay = 0.5
        try sink.start()
        let tap = try EventTap(fleet, bindingKey: "notification.#")
        defer { tap.close() }
        let flight = flight(departingIn: hours(96))
        try startConsumer()
        try publish(FlightScheduled(flight: flight))
        try fleet.eventually("the flight is in the read model") {
            try fleet.integer("SELECT count(*) FROM \(schema).flights WHERE flight_id = $1", flight.flightId) == 1
        }
        service?.stop()

        // Queued while no consumer runs, so that they arrive together as one batch.
        let guests = (1...8).map { confirmed(flight, email: "guest\($0)@example.com") }
        let refused = confirmed(flight, email: "nobody@\(SMTPSinkProcess.rejectedDomain)")
        try publish(guests + [refused])
        try startConsumer()

        let mails = try waitForMail(8, "confirmations")
        XCTAssertEqual(Set(mails.map(\.recipient)), Set(guests.map(\.contactEmail)))
        let sessions = Set(mails.compactMap { $0.headers["x-peer"] })
        XCTAssertGreaterThan(sessions.count, 1, "the exchanges overlapped, so they used more than one SMTP session")

        try fleet.eventually("every email is announced") {
            try tap.events(NotificationSent.self).count == 8
        }
        XCTAssertEqual(Set(try tap.events(NotificationSent.self).map(\.to.email)), Set(guests.map(\.contactEmail)))
        XCTAssertEqual(service?.batchTimings.snapshot.earlyFlushes, 0,
                       "each confirmation's writes go with its batch's, not in a round trip of their own")
        for guest in guests { XCTAssertEqual(try ledgerState(bookingKey(guest)), "sent") }
        XCTAssertEqual(try ledgerState(bookingKey(refused)), "failed")
        var letters: [AMQPDelivery] = []
        try fleet.eventually("the refused confirmation is dead-lettered") {
            letters += try deadLetters()
            return !letters.isEmpty
        }
        XCTAssertEqual(letters.count, 1)
        XCTAssertTrue((letters[0].properties.headers[FailureHeaders.error]?.stringValue ?? "").contains("550 5.1.1"))
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(schema).bookings"), 8, "each accepted confirmation recorded once")
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(schema).reminders"), 16, "two reminders for each")

        // The same batch again (a replay under new ids): the ledger lets nothing out twice.
        try publish(guests)
        try fleet.eventually("the replay is handled") { try fleet.totalMessages("airfleet.notifications") == 0 }
        settle()
        XCTAssertEqual(try sink.messages().count, 8)
    }
}
