import Contracts
import Fleet
import FleetTestSupport
import Foundation
import Notifications
import XCTest

/// Emails follow each customer's notification preferences, as the customers context's events
/// tell them (v2, or v1 upcast: email for everything).
final class PreferencesTests: NotificationsTestCase {
    private func preferences(_ customerId: UUID, confirmations: [NotificationChannel], reminders: [NotificationChannel] = [.email],
                             flightChanges: [NotificationChannel], at date: Date = Date()) -> CustomerUpdated {
        CustomerUpdated(customerId: customerId, name: "Ana", passengers: [], phone: "+4915123456789",
                        notificationPreferences: NotificationPreferences(confirmations: confirmations, reminders: reminders,
                                                                         flightChanges: flightChanges),
                        updatedAt: date)
    }

    func testACustomerWhoChoseNoEmailForAKindOfNoticeGetsNoneOfThatKindAndOthersGetTheirs() throws {
        try startConsumer()
        let flight = flight(departingIn: hours(72))
        var smsOnly = confirmed(flight, email: "sms.only@example.com")
        let plain = confirmed(flight, email: "plain@example.com")
        try publish(preferences(smsOnly.customerId, confirmations: [.sms], flightChanges: []))
        try publish(FlightScheduled(flight: flight))
        // Together, so the batch sends its confirmations ahead; then one on its own.
        try publish(smsOnly, plain)
        try waitForMail(1, "the plain customer's confirmation")
        smsOnly.bookingId = UUID()
        try publish(smsOnly)
        try fleet.eventually("both confirmations of the SMS-only customer are handled") {
            try fleet.integer("SELECT count(*) FROM \(schema).bookings") == 3 && fleet.totalMessages("airfleet.notifications") == 0
        }
        settle()
        XCTAssertEqual(try sink.messages().map(\.recipient), ["plain@example.com"])
        XCTAssertNil(try ledgerState(bookingKey(smsOnly)), "nothing was sent, so nothing is in the ledger")

        // Flight changes: the SMS-only customer chose no channel at all for them.
        try publish(delayed(flight, by: hours(2)))
        try waitForMail(1, "the delay email") { $0.kind == "flight-delayed" }
        settle()
        XCTAssertEqual(try sink.messages().filter { $0.kind == "flight-delayed" }.map(\.recipient), ["plain@example.com"])
        XCTAssertEqual(try deadLetters().count, 0)
    }

    func testAnOlderEventArrivingLateChangesNothingAndAV1EventIsReadAsEmailForEverything() throws {
        try startConsumer()
        let flight = flight(departingIn: hours(72))
        let customerId = UUID()
        let now = Date()
        // The newer profile first, then a registration from before it (a v1 event, still on the queue).
        try publish(preferences(customerId, confirmations: [], flightChanges: [], at: now))
        try publish(CustomerRegisteredV1(customerId: customerId, email: "ana@example.com", name: "Ana", roles: [.customer],
                                         registeredAt: now.addingTimeInterval(-3600)))
        try publish(FlightScheduled(flight: flight))
        var booking = confirmed(flight, email: "ana@example.com")
        booking.customerId = customerId
        try publish(booking)
        try fleet.eventually("the booking is handled") {
            try fleet.integer("SELECT count(*) FROM \(schema).bookings") == 1 && fleet.totalMessages("airfleet.notifications") == 0
        }
        settle()
        XCTAssertEqual(try sink.messages().count, 0, "the late registration did not bring email back")

        // A v1 update from later is upcast to email for everything.
        try publish(CustomerUpdatedV1(customerId: customerId, name: "Ana", passengers: [], updatedAt: now.addingTimeInterval(60)))
        booking.bookingId = UUID()
        try publish(booking)
        let mail = try waitForMail(1, "the confirmation after the v1 update")
        XCTAssertEqual(mail.map(\.recipient), ["ana@example.com"])
    }
}
