import Contracts
import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// What the Swift types encode validates against Schemas/bookings/<type>.schema.json.
final class SchemaTests: XCTestCase {
    private func validate(_ schema: String, _ documents: [Data]) throws -> (status: Int32, output: String) {
        try SchemaCheck.validate(documents, against: "bookings/\(schema).schema.json")
    }

    static let passengers = [PassengerDetails(firstName: "Ana", lastName: "Lima", dateOfBirth: "1984-03-07", seat: "12A"),
                             PassengerDetails(firstName: "Rui", lastName: "Lima", dateOfBirth: "2015-11-30", seat: "12B")]

    func testEveryMessageTheSwiftTypesEncodeValidatesAgainstItsSchema() throws {
        let booking = UUID(), customer = UUID(), flight = UUID(), now = Date()
        let ticketed = [BookedPassenger(firstName: "Ana", lastName: "Lima", dateOfBirth: "1984-03-07", seat: "12A",
                                        ticketNumber: "9990000000013")]
        let view = BookingView(
            bookingId: booking, pnr: "K7WQ2M", customerId: customer, flightId: flight, cabin: .economy, state: .confirmed,
            reason: nil, detail: nil, passengers: ticketed, seats: ["12A"], pricePerSeat: 100, total: 100, currency: "EUR",
            charged: 100, refund: BookingView.Refund(amount: 100, status: .pending), contactEmail: "ana@example.com",
            idempotencyKey: "k1", holdExpiresAt: now, departure: now, createdAt: now, updatedAt: now, confirmedAt: now,
            closedAt: nil)
        let samples: [(String, [any Encodable])] = [
            ("booking.create.v1", [
                CreateBooking(bookingId: booking, customerId: customer, flightId: flight, cabin: .economy,
                              passengers: Self.passengers, contactEmail: "ana@example.com", paymentToken: "tok_visa",
                              idempotencyKey: "order-1"),
                CreateBooking(bookingId: booking, customerId: customer, flightId: flight, cabin: .first,
                              passengers: [PassengerDetails(firstName: "A", lastName: "B", dateOfBirth: "2000-01-01")],
                              contactEmail: "a@b.co", paymentToken: "tok_declined")]),
            ("booking.cancel.v1", BookingActor.allCases.map { CancelBooking(bookingId: booking, requestedBy: customer, actor: $0) }
                + [CancelBooking(bookingId: booking, requestedBy: customer, actor: .agent, reason: "unwell")]),
            ("booking.requested.v1", [BookingRequested(bookingId: booking, customerId: customer, flightId: flight, cabin: .economy,
                                                       passengers: Self.passengers, contactEmail: "ana@example.com", requestedAt: now)]),
            ("booking.confirmed.v1", [BookingConfirmed(bookingId: booking, customerId: customer, flightId: flight, pnr: "K7WQ2M",
                                                       cabin: .economy, passengers: ticketed, total: 100, currency: "EUR",
                                                       contactEmail: "ana@example.com", confirmedAt: now)]),
            ("booking.failed.v1", BookingFailureReason.allCases.map {
                BookingFailed(bookingId: booking, customerId: customer, flightId: flight, reason: $0, detail: nil,
                              contactEmail: "ana@example.com", failedAt: now)
            }),
            ("booking.expired.v1", [BookingExpired(bookingId: booking, customerId: customer, flightId: flight,
                                                   contactEmail: "ana@example.com", expiredAt: now)]),
            ("booking.cancelled.v1", BookingCancellationReason.allCases.map {
                BookingCancelled(bookingId: booking, customerId: customer, flightId: flight, pnr: "K7WQ2M", reason: $0,
                                 refundAmount: 0, currency: "EUR", cancelledBy: customer, contactEmail: "ana@example.com",
                                 cancelledAt: now)
            }),
            ("booking.deduplicated.v1", BookingState.allCases.map {
                BookingDeduplicated(bookingId: UUID(), existingBookingId: booking, customerId: customer, state: $0)
            }),
            ("booking.rejected.v1", [BookingRejected(bookingId: UUID(), customerId: customer, reason: .idempotencyConflict,
                                                     existingBookingId: booking, detail: "used before")]),
            ("booking.cancel-rejected.v1", BookingCancelRejected.Reason.allCases.map {
                BookingCancelRejected(bookingId: booking, reason: $0, state: $0 == .notFound ? nil : .failed)
            }),
            ("booking.get.v1", [GetBooking(bookingId: booking), GetBooking(pnr: "K7WQ2M")]),
            ("booking.get.v1.response", [GetBooking.Response(booking: view)]),
            ("booking.list.v1", [ListBookings(customerId: customer),
                                 ListBookings(flightId: flight, states: [.confirmed, .cancelled], page: 2, pageSize: 50)]),
            ("booking.list.v1.response", [ListBookings.Response(bookings: [view], page: 1, pageSize: 20, total: 1)]),
            ("booking.check-request.v1", [CheckBookingRequest(request: CreateBooking(
                bookingId: booking, customerId: customer, flightId: flight, cabin: .economy, passengers: Self.passengers,
                contactEmail: "ana@example.com", paymentToken: "tok_visa", idempotencyKey: "order-1"))]),
            ("booking.check-request.v1.response", CheckBookingRequest.Response.Verdict.allCases.map {
                CheckBookingRequest.Response(verdict: $0, bookingId: $0 == .new ? nil : booking, state: $0 == .new ? nil : .paid)
            }),
        ]
        XCTAssertEqual(try SchemaCheck.problems(encoding: samples, context: "bookings"), [])
    }

    func testTheSchemasRefuseBrokenBookings() throws {
        let broken = #"{"bookingId":"nope","customerId":"3f6c1a52-8d0e-4b7a-9c1d-2e3f4a5b6c7d","flightId":"0b6c7c1e-6a51-4b7e-9a57-2f1c8f3c2d10","cabin":"cargo","passengers":[],"contactEmail":"ana@example.com","paymentToken":"tok visa"}"#
        let result = try validate("booking.create.v1", [Data(broken.utf8)])
        XCTAssertEqual(result.status, 1)
        for fault in ["$.bookingId", "$.cabin", "$.passengers", "$.paymentToken"] {
            XCTAssertTrue(result.output.contains(fault), "\(fault) in \(result.output)")
        }
        let both = try validate("booking.get.v1", [Data(#"{"bookingId":"0b6c7c1e-6a51-4b7e-9a57-2f1c8f3c2d10","pnr":"K7WQ2M"}"#.utf8)])
        XCTAssertEqual(both.status, 1, "bookingId or pnr, not both")
    }
}
