import Contracts
import Fleet
import FleetTestSupport
import Foundation
import Notifications
import XCTest

/// Reminders at T-24h and T-2h by the notifications clock, moved by a delay, removed by a cancellation.
final class ReminderTests: NotificationsTestCase {
    func testRemindersFollowTheClockMoveWithADelayAndVanishWithACancellation() throws {
        try startConsumer()
        let flight = flight(departingIn: hours(30))
        let staying = confirmed(flight, email: "staying@example.com")
        let leaving = confirmed(flight, email: "leaving@example.com")
        try publish(FlightScheduled(flight: flight))
        try publish(staying, leaving)
        try waitForMail(2, "confirmations")
        try waitForOwedReminders(4, "T-24h and T-2h for each booking")

        // Nothing is due yet.
        settle()
        XCTAssertTrue(try sink.messages().filter { $0.kind.hasPrefix("reminder") }.isEmpty)

        // T-24h arrives.
        try setClock(to: flight.departure.addingTimeInterval(-hours(24) + 60))
        let dayBefore = try waitForMail(2, "24-hour reminders") { $0.kind == "reminder-24h" }
        XCTAssertEqual(Set(dayBefore.map(\.recipient)), ["staying@example.com", "leaving@example.com"])
        XCTAssertEqual(dayBefore[0].decoded("Subject"), "Your flight AF1234 leaves tomorrow")

        // A three-hour delay moves T-2h; one booking is cancelled.
        try publish(delayed(flight, by: hours(3)))
        try publish(BookingCancelled(bookingId: leaving.bookingId, customerId: leaving.customerId, flightId: flight.flightId,
                                     pnr: leaving.pnr, reason: .customerRequest, refundAmount: 40_000, currency: "EUR",
                                     cancelledBy: leaving.customerId, contactEmail: leaving.contactEmail, cancelledAt: Date()))
        let cancellation = try waitForMail(1, "cancellation") { $0.kind == "booking-cancelled" }
        XCTAssertTrue(cancellation[0].part("text/plain")?.contains("A refund of EUR 400.00") ?? false)
        try waitForMail(1, "delay email to the staying booking") { $0.kind == "flight-delayed" }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(schema).reminders WHERE sent_at IS NULL"), 1)

        // The old T-2h passes: no reminder, since it moved.
        try setClock(to: flight.departure.addingTimeInterval(-hours(2) + 60))
        settle()
        XCTAssertTrue(try sink.messages().filter { $0.kind == "reminder-2h" }.isEmpty, "the delay moved the 2-hour reminder")

        // The new T-2h: the staying booking alone hears.
        try setClock(to: flight.departure.addingTimeInterval(hours(3) - hours(2) + 60))
        let lastCall = try waitForMail(1, "2-hour reminder") { $0.kind == "reminder-2h" }
        settle()
        XCTAssertEqual(try sink.messages().filter { $0.kind == "reminder-2h" }.map(\.recipient), ["staying@example.com"])
        XCTAssertTrue(lastCall[0].part("text/plain")?.contains("leaves in 2 hours") ?? false)
    }

    func testABookingIsOwedOnlyTheRemindersStillAheadByTheClock() throws {
        try startConsumer()
        let flight = flight(departingIn: hours(30))
        try publish(FlightScheduled(flight: flight))
        try setClock(to: flight.departure.addingTimeInterval(-hours(5)))
        let late = confirmed(flight, email: "late@example.com")
        try publish(late)
        try waitForMail(1, "confirmation five hours before departure")
        let lateReminders = "FROM \(schema).reminders WHERE booking_id = '\(late.bookingId.lowercasedString)'"
        try fleet.eventually("the late booking's reminder") { try fleet.integer("SELECT count(*) \(lateReminders)") > 0 }
        XCTAssertEqual(try fleet.integer("SELECT count(*) \(lateReminders)"), 1, "the 24-hour reminder is already past")
        XCTAssertEqual(try fleet.integer("SELECT count(*) \(lateReminders) AND kind = 'reminder-2h'"), 1)

        try setClock(to: flight.departure.addingTimeInterval(-hours(1)))
        let last = confirmed(flight, email: "last@example.com", pnr: "L4STMN")
        try publish(last)
        try waitForMail(2, "confirmation an hour before departure")
        try fleet.eventually("the last booking kept") {
            try fleet.integer("SELECT count(*) FROM \(schema).bookings WHERE booking_id = '\(last.bookingId.lowercasedString)'") == 1
        }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(schema).reminders WHERE booking_id = '\(last.bookingId.lowercasedString)'"), 0,
                       "both reminders are already past")
    }

    func testAFlightCancellationRemovesTheRemindersOfItsBookings() throws {
        try startConsumer()
        let flight = flight(departingIn: hours(30))
        try publish(FlightScheduled(flight: flight))
        try publish(confirmed(flight, email: "a@example.com"))
        try waitForMail(1, "confirmation")
        try publish(FlightCancelled(flightId: flight.flightId, number: flight.number, origin: flight.origin,
                                    destination: flight.destination, departure: flight.departure, arrival: flight.arrival,
                                    reason: "crew shortage"))
        try waitForMail(1, "cancellation notice") { $0.kind == "flight-cancelled" }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(schema).reminders"), 0)
        try setClock(to: flight.departure.addingTimeInterval(-hours(2) + 60))
        settle()
        XCTAssertTrue(try sink.messages().filter { $0.kind.hasPrefix("reminder") }.isEmpty)
    }

    func testSeveralProcessesShareTheDueRemindersAndSendEachOnce() throws {
        try startConsumer()
        let second = try fleet.start(try definition())
        defer { second.stop() }
        let flight = flight(departingIn: hours(30))
        try publish(FlightScheduled(flight: flight))
        let bookings = (1...12).map { confirmed(flight, email: "shared\($0)@example.com") }
        let publisher = try fleet.publisher()
        defer { publisher.close() }
        for booking in bookings { _ = try publisher.publish(booking) }
        try waitForMail(bookings.count, "confirmations")
        try waitForOwedReminders(bookings.count * 2, "T-24h and T-2h for each booking")

        try setClock(to: flight.departure.addingTimeInterval(-hours(24) + 60))
        try waitForMail(bookings.count, "24-hour reminders") { $0.kind == "reminder-24h" }
        settle()
        let reminders = try sink.messages().filter { $0.kind == "reminder-24h" }
        XCTAssertEqual(reminders.count, bookings.count, "each reminder once, whichever process took it")
        XCTAssertEqual(Set(reminders.map(\.recipient)).count, bookings.count)
        let senders = try fleet.integer("SELECT count(*) FROM \(schema).reminders WHERE kind = 'reminder-24h' AND sent_at IS NOT NULL")
        XCTAssertEqual(senders, bookings.count)
    }

    /// A batch's confirmations go out before its handlers commit the reminders they owe, so an
    /// email seen is not yet a reminder owed; a clock moved before that commit would make the
    /// handler owe only the reminders still ahead of it.
    private func waitForOwedReminders(_ count: Int, _ what: String) throws {
        try fleet.eventually("\(count) reminders owed: \(what)") {
            try fleet.integer("SELECT count(*) FROM \(schema).reminders") == count
        }
    }
}
