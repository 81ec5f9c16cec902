@testable import Bookings
import Contracts
import Fleet
import FleetTestSupport
import Flights
import Foundation
import XCTest

/// Cancellations by customers and agents, refunds by the written policy, and flights the
/// airline cancels.
final class CancellationTests: BookingsTestCase {
    private func confirmed(_ requests: [CreateBooking]) throws {
        try publish(requests)
        try waitUntilSettled(requests.map(\.bookingId))
        for request in requests { XCTAssertEqual(try state(request.bookingId), "confirmed") }
    }

    func testACancellationRefundsByThePolicyAndFreesTheSeats() throws {
        try startFleet()
        let early = try scheduleFlight(departure: day(10))
        let soon = try scheduleFlight(departure: Date().addingTimeInterval(6 * 3600))
        let farOff = booking(early, passengers: 2, seats: ["20A", "20B"])
        let lastMinute = booking(soon, passengers: 1)
        try confirmed([farOff, lastMinute])

        try publish([CancelBooking(bookingId: farOff.bookingId, requestedBy: customer, actor: .customer),
                     CancelBooking(bookingId: lastMinute.bookingId, requestedBy: UUID(), actor: .agent, reason: "unwell")])
        try fleet.eventually("both refunds are made") {
            try [farOff, lastMinute].allSatisfy { try view($0.bookingId).refund?.status == .refunded }
        }
        let full = try view(farOff.bookingId), partial = try view(lastMinute.bookingId)
        XCTAssertEqual(full.state, .cancelled)
        XCTAssertEqual(full.reason, "customer-request")
        XCTAssertEqual(full.refund?.amount, 80_000, "10 days ahead: everything back")
        XCTAssertEqual(partial.reason, "agent-request")
        XCTAssertEqual(partial.refund?.amount, 40_000 - RefundPolicy.standard.lateCancellationFee, "6 hours ahead: the fee is kept")
        XCTAssertEqual(try refundedAmount(), 80_000 + 35_000)
        let cancelled = try tap.events(BookingCancelled.self)
        XCTAssertEqual(Set(cancelled.map(\.refundAmount)), [80_000, 35_000])
        XCTAssertEqual(cancelled.first { $0.bookingId == farOff.bookingId }?.pnr, full.pnr)
        try fleet.eventually("the sold seats are free again") {
            try seatCounts(early.flightId) == (0, 0) && seatCounts(soon.flightId) == (0, 0)
        }

        // Cancelling again, or what does not exist, changes nothing and says why.
        try publish([CancelBooking(bookingId: farOff.bookingId, requestedBy: customer, actor: .customer),
                     CancelBooking(bookingId: UUID(), requestedBy: customer, actor: .customer)])
        try fleet.eventually("both are refused") { try tap.events(BookingCancelRejected.self).count == 2 }
        XCTAssertEqual(Set(try tap.events(BookingCancelRejected.self).map(\.reason)), [.alreadyCancelled, .notFound])
        XCTAssertEqual(try tap.events(PaymentRefunded.self).count, 2)
    }

    func testACancelledFlightCancelsEveryBookingWithAFullRefund() throws {
        try startFleet()
        let flight = try scheduleFlight()
        let other = try scheduleFlight()
        let requests = [booking(flight, passengers: 3), booking(flight, passengers: 1, cabin: .business), booking(flight)]
        let elsewhere = booking(other)
        try confirmed(requests + [elsewhere])
        let charged = try capturedAmount()

        try publish([CancelFlight(flightId: flight.flightId, reason: "strike")])
        try fleet.eventually("every booking of the flight is refunded") {
            try requests.allSatisfy { try view($0.bookingId).refund?.status == .refunded }
        }
        for request in requests {
            let booking = try view(request.bookingId)
            XCTAssertEqual(booking.state, .cancelled)
            XCTAssertEqual(booking.reason, "flight-cancelled")
            XCTAssertEqual(booking.refund?.amount, booking.charged)
        }
        XCTAssertEqual(try refundedAmount(), charged - (try view(elsewhere.bookingId).charged ?? 0))
        XCTAssertEqual(try view(elsewhere.bookingId).state, .confirmed, "another flight's booking stands")
        XCTAssertEqual(try tap.events(BookingCancelled.self).filter { $0.reason == .flightCancelled }.count, 3)
    }
}

/// The same request twice is one booking; the same key with another request is a conflict.
final class IdempotencyTests: BookingsTestCase {
    func testTheSameKeyAndBodyNameTheSameBookingAndAnotherBodyIsAConflict() throws {
        try startFleet()
        let flight = try scheduleFlight()
        let first = booking(flight, passengers: 2, key: "order-1")
        try publish([first])
        try waitUntilSettled([first.bookingId])

        // A retry of the request: the ingress made up a new bookingId, nothing else changed.
        let replies = try EventTap(fleet, bindingKey: nil)
        defer { replies.close() }
        var retry = first
        retry.bookingId = UUID()
        var changed = first
        changed.bookingId = UUID()
        changed.passengers.removeLast()
        try publish([retry], replyTo: replies.name)
        try publish([changed], replyTo: replies.name)
        try fleet.eventually("both are answered on reply_to") { try replies.types().count >= 2 }
        XCTAssertEqual(Set(try replies.types()), ["booking.deduplicated.v1", "booking.rejected.v1"])

        let duplicate = try XCTUnwrap(try replies.events(BookingDeduplicated.self).first)
        XCTAssertEqual(duplicate.bookingId, retry.bookingId)
        XCTAssertEqual(duplicate.existingBookingId, first.bookingId)
        XCTAssertEqual(duplicate.state, .confirmed)
        let conflict = try XCTUnwrap(try replies.events(BookingRejected.self).first)
        XCTAssertEqual(conflict.reason, .idempotencyConflict)
        XCTAssertEqual(conflict.existingBookingId, first.bookingId)

        // Another customer's key is another key.
        let stranger = booking(flight, key: "order-1", customer: UUID())
        try publish([stranger])
        try waitUntilSettled([stranger.bookingId])
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(bookings).bookings"), 2)
        XCTAssertEqual(try captures(), 2)
        XCTAssertEqual(try tap.events(BookingRequested.self).count, 2)
    }

    /// Published together, they reach one batch, whose read-ahead finds all three keys unused:
    /// the first makes the booking, and the other two, refused by its key, are answered on their next try.
    func testRequestsSharingAKeyInOneBatchMakeOneBooking() throws {
        try startFleet()
        let flight = try scheduleFlight()
        let first = booking(flight, passengers: 2, key: "order-3")
        var retry = first
        retry.bookingId = UUID()
        var changed = first
        changed.bookingId = UUID()
        changed.passengers.removeLast()
        let replies = try EventTap(fleet, bindingKey: nil)
        defer { replies.close() }
        try publish([first, retry, changed], replyTo: replies.name)
        try waitUntilSettled([first.bookingId])
        try fleet.eventually("the other two are answered on reply_to", timeout: .seconds(30)) {
            Set(try replies.types()).isSuperset(of: ["booking.deduplicated.v1", "booking.rejected.v1"])
        }
        XCTAssertEqual(try replies.events(BookingDeduplicated.self).map(\.bookingId), [retry.bookingId])
        XCTAssertEqual(try replies.events(BookingRejected.self).map(\.bookingId), [changed.bookingId])
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(bookings).bookings"), 1)
        XCTAssertEqual(try tap.events(BookingRequested.self).count, 1)
        XCTAssertEqual(try captures(), 1)
    }

    func testACommandDeliveredTwiceCreatesOneBooking() throws {
        try startFleet(bookings: 2)
        let flight = try scheduleFlight()
        let request = booking(flight, passengers: 1, key: "order-2")
        // Published twice as two messages (a client retry), and the same message twice (a replay).
        let message = try OutgoingMessage.make(request, source: "airfleet/tests")
        let publisher = try fleet.publisher()
        defer { publisher.close() }
        _ = try publisher.publish([message, message, try OutgoingMessage.make(request, source: "airfleet/tests")])
        try waitUntilSettled([request.bookingId])
        try fleet.eventually("the second message is answered") { try tap.events(BookingDeduplicated.self).count == 1 }
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(bookings).bookings"), 1)
        XCTAssertEqual(try tap.events(BookingRequested.self).count, 1)
        XCTAssertEqual(try tap.events(BookingDeduplicated.self).count, 1)
        XCTAssertEqual(try tap.events(SeatsHeld.self).count, 1)
        XCTAssertEqual(try captures(), 1)
        XCTAssertEqual(try state(request.bookingId), "confirmed")
    }
}
