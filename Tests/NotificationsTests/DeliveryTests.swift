import AMQP
import Contracts
import Fleet
import FleetTestSupport
import Foundation
import Notifications
import XCTest

/// Booking emails and flight status emails through a real broker, database and SMTP sink.
final class DeliveryTests: NotificationsTestCase {
    func testAConfirmedBookingSendsOneConfirmationWithItsContentHeadersAndEncoding() throws {
        try startConsumer()
        let flight = flight(departingIn: hours(240))
        let zoe = BookedPassenger(firstName: "Zoë", lastName: "Ångström", dateOfBirth: "1990-04-01", seat: "12A",
                                  ticketNumber: "9991234567897")
        let booking = confirmed(flight, email: "zoe@example.com", passengers: [zoe])
        try publish(FlightScheduled(flight: flight))
        try publish(booking)
        let mail = try waitForMail(1, "confirmation")[0]

        XCTAssertEqual(mail.recipient, "zoe@example.com")
        XCTAssertEqual(mail.kind, "booking-confirmed")
        XCTAssertEqual(mail.decoded("To"), "Zoë Ångström <zoe@example.com>")
        XCTAssertEqual(mail.decoded("Subject"), "Booking K7QZ2M confirmed: AF1234 CDG–JFK")
        XCTAssertEqual(mail.headers["message-id"], "<booking-confirmed.1.b.\(booking.bookingId.lowercasedString)@airfleet.local>")
        XCTAssertNotNil(mail.headers["date"])
        XCTAssertTrue(mail.headers["content-type"]?.hasPrefix("multipart/alternative") ?? false)
        let text = try XCTUnwrap(mail.part("text/plain"))
        let html = try XCTUnwrap(mail.part("text/html"))
        for expected in ["Hello Zoë Ångström", "K7QZ2M", "Zoë Ångström, seat 12A, ticket 9991234567897", "EUR 800.00",
                         "CDG -> JFK", "Europe/Paris", "America/New_York"] {
            XCTAssertTrue(text.contains(expected), "text part lacks \(expected):\n\(text)")
        }
        XCTAssertTrue(html.contains("<td>Zoë Ångström</td><td>12A</td>"), html)
        XCTAssertFalse(mail.raw.contains("\n") && mail.raw.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "bare LF in the message")

        // The same event again under a new id (a replay, a re-publish): the ledger sends nothing more.
        try publish(booking)
        try fleet.eventually("the replay is handled") {
            try fleet.integer("SELECT count(*) FROM \(schema).bookings") == 1 && fleet.totalMessages("airfleet.notifications") == 0
        }
        settle()
        XCTAssertEqual(try sink.messages().count, 1)
        let key = "booking:\(booking.bookingId.lowercasedString):booking-confirmed:1"
        XCTAssertEqual(try ledgerState(key), "sent")

        let client = try QueryClient(amqp: fleet.configuration.amqp, source: "airfleet/tests", logger: fleet.logger)
        defer { client.close() }
        let listed = try client.ask(ListNotifications(bookingId: booking.bookingId)).notifications
        XCTAssertEqual(listed.map(\.deliveryKey), [key])
        XCTAssertEqual(listed.first?.state, .sent)
        XCTAssertEqual(try client.ask(ListNotifications(customerId: booking.customerId)).notifications.count, 1)
    }

    func testADelayedFlightEmailsEachBookingAndEachSubscriberOnce() throws {
        try startConsumer()
        let flight = flight(departingIn: hours(72))
        let first = confirmed(flight, email: "first@example.com")
        let second = confirmed(flight, email: "second@example.com")
        let other = self.flight(departingIn: hours(72), number: "AF9")
        try publish(FlightScheduled(flight: flight), FlightScheduled(flight: other))
        try publish(first, second, confirmed(other, email: "elsewhere@example.com"))
        try publish(
            SubscriptionCreated(subscriptionId: UUID(), customerId: UUID(), flightId: flight.flightId, email: "fan@example.com", createdAt: Date()),
            // Booked and subscribed: one email, not two.
            SubscriptionCreated(subscriptionId: UUID(), customerId: first.customerId, flightId: flight.flightId,
                                email: "first@example.com", createdAt: Date()),
            SubscriptionCreated(subscriptionId: UUID(), customerId: UUID(), flightId: other.flightId, email: "other-fan@example.com",
                                createdAt: Date()))
        try waitForMail(3, "confirmations")

        let delay = delayed(flight, by: hours(3))
        try publish(delay)
        try publish(delay)  // the same news again under a new id
        let delays = try waitForMail(3, "delay emails") { $0.kind == "flight-delayed" }
        settle()
        let all = try sink.messages().filter { $0.kind == "flight-delayed" }
        XCTAssertEqual(all.count, 3, "one each: \(all.map(\.recipient))")
        XCTAssertEqual(Set(delays.map(\.recipient)), ["first@example.com", "second@example.com", "fan@example.com"])
        let text = try XCTUnwrap(all.first { $0.recipient == "fan@example.com" }?.part("text/plain"))
        XCTAssertTrue(text.contains("late inbound aircraft"), text)

        // A second delay is news again.
        var again = delayed(flight, by: hours(4))
        again.previousDeparture = delay.departure
        try publish(again)
        try waitForMail(6, "second delay emails") { $0.kind == "flight-delayed" }
    }

    func testARefusedRecipientIsDeadLetteredWithTheServersTextAndDoesNotHoldUpOtherMail() throws {
        try startConsumer()
        let flight = flight(departingIn: hours(72))
        try publish(FlightScheduled(flight: flight))
        let refused = confirmed(flight, email: "nobody@\(SMTPSinkProcess.rejectedDomain)")
        let fine = confirmed(flight, email: "fine@example.com")
        try publish(refused, fine)
        try waitForMail(1, "the good confirmation") { $0.recipient == "fine@example.com" }
        var letters: [AMQPDelivery] = []
        try fleet.eventually("the refused confirmation is dead-lettered") {
            letters += try deadLetters()
            return !letters.isEmpty
        }
        XCTAssertEqual(letters.count, 1)
        let error = letters[0].properties.headers[FailureHeaders.error]?.stringValue ?? ""
        XCTAssertTrue(error.contains("550 5.1.1 mailbox unavailable"), error)
        XCTAssertEqual(letters[0].properties.headers[FailureHeaders.errorKind]?.stringValue, "rejected")
        XCTAssertEqual(try ledgerState("booking:\(refused.bookingId.lowercasedString):booking-confirmed:1"), "failed")
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(schema).bookings WHERE booking_id = $1", refused.bookingId), 0,
                       "the dead-lettered message changed nothing")

        // Replayed, it sends nothing and lets the booking be recorded.
        try fleet.publishRaw([(String(decoding: letters[0].body, as: UTF8.self), letters[0].properties.type)],
                             to: Topology.queue(of: NotificationsContext.name))
        try fleet.eventually("the replayed booking is recorded") {
            try fleet.integer("SELECT count(*) FROM \(schema).bookings WHERE booking_id = $1", refused.bookingId) == 1
        }
        XCTAssertTrue(try deadLetters().isEmpty)
        XCTAssertEqual(try sink.messages().count, 1)

        // In a fan-out the refused subscriber is announced and the others still hear.
        try publish(SubscriptionCreated(subscriptionId: UUID(), customerId: UUID(), flightId: flight.flightId,
                                        email: "gone@\(SMTPSinkProcess.rejectedDomain)", createdAt: Date()))
        try publish(FlightGateChanged(flightId: flight.flightId, number: flight.number, origin: flight.origin,
                                      destination: flight.destination, departure: flight.departure, previousGate: "K40",
                                      gate: "L12", reason: nil))
        let gates = try waitForMail(1, "gate change") { $0.kind == "gate-changed" }
        XCTAssertEqual(gates.map(\.recipient), ["fine@example.com"])
        XCTAssertEqual(gates[0].decoded("Subject"), "AF1234 now leaves from gate L12")
        // Refused twice: the subscriber, and the contact of the booking recorded by the replay.
        try fleet.eventually("the refusals are settled in the ledger") {
            try fleet.integer("SELECT count(*) FROM \(schema).deliveries WHERE kind = 'gate-changed' AND state = 'failed'") == 2
        }
        settle()
        XCTAssertTrue(try deadLetters().isEmpty, "a refused subscriber does not dead-letter the flight's news")
    }
}
