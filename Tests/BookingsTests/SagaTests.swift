@testable import Bookings
import Contracts
import Fleet
import FleetTestSupport
import Flights
import Foundation
@testable import Payments
import XCTest

/// The booking saga end to end through messages: flights, bookings and payments consumers on a
/// real broker and database, the sandbox provider behind payments.
final class SagaTests: BookingsTestCase {
    func testABookingIsConfirmedWithARecordLocatorTicketsAndItsSeatsSold() throws {
        try startFleet()
        let flight = try scheduleFlight()
        let request = booking(flight, passengers: 2, seats: ["12A", "12B"])
        try publish([request])
        try waitUntilSettled([request.bookingId])

        let booking = try view(request.bookingId)
        XCTAssertEqual(booking.state, .confirmed)
        let pnr = try XCTUnwrap(booking.pnr)
        XCTAssertTrue(RecordLocator.isValid(pnr), pnr)
        XCTAssertEqual(booking.passengers.map(\.seat), ["12A", "12B"])
        let tickets = booking.passengers.compactMap(\.ticketNumber)
        XCTAssertEqual(tickets.count, 2)
        XCTAssertTrue(tickets.allSatisfy(TicketNumber.isValid), "\(tickets)")
        XCTAssertEqual(Set(tickets).count, 2)
        XCTAssertEqual(booking.total, 80_000)
        XCTAssertEqual(booking.charged, 80_000)
        XCTAssertEqual(booking.customerId, customer)
        XCTAssertEqual(booking.departure, flight.departure)
        XCTAssertNotNil(booking.confirmedAt)

        // The record locator finds it too, and the customer's and the flight's lists hold it.
        let client = try QueryClient(amqp: fleet.configuration.amqp, source: "airfleet/tests", logger: fleet.logger)
        defer { client.close() }
        XCTAssertEqual(try client.ask(GetBooking(pnr: pnr)).booking.bookingId, request.bookingId)
        XCTAssertEqual(try client.ask(ListBookings(customerId: customer)).bookings.map(\.bookingId), [request.bookingId])
        XCTAssertEqual(try client.ask(ListBookings(flightId: flight.flightId, states: [.confirmed])).total, 1)
        XCTAssertEqual(try client.ask(ListBookings(customerId: UUID())).total, 0)
        XCTAssertThrowsError(try client.ask(GetBooking(bookingId: UUID()))) { XCTAssertTrue("\($0)".contains("not-found"), "\($0)") }

        // The seat map shows the seats taken, and the provider charged once.
        let seatMap = try client.ask(GetSeatMap(flightId: flight.flightId))
        XCTAssertEqual(seatMap.seats.filter { $0.state == .sold }.map(\.seat).sorted(), ["12A", "12B"])
        XCTAssertEqual(try captures(of: request.bookingId), 1)
        let payment = try paymentView(request.bookingId)
        XCTAssertEqual(payment.state, .captured)
        XCTAssertEqual(payment.cardLast4, "4242")
        XCTAssertFalse(payment.tokenReference.contains("tok_visa"), "no whole token kept")
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(bookings).bookings WHERE payment_token IS NOT NULL"), 0,
                       "the token is forgotten once the charge is sent")

        let confirmed = try tap.events(BookingConfirmed.self)
        XCTAssertEqual(confirmed.map(\.pnr), [pnr])
        XCTAssertEqual(try tap.events(BookingRequested.self).count, 1)
    }

    func testEachContextSendsABatchsWritesTogetherRatherThanInRoundTripsOfTheirOwn() throws {
        try startFleet(bookings: 0, payments: 0)
        let flight = try scheduleFlight()
        // Queued before bookings and payments start, so that each step meets them as one batch.
        let requests = (0..<8).map { _ in booking(flight) }
        try publish(requests)
        try startFleet(flights: 0)
        try waitUntilSettled(requests.map(\.bookingId))
        for request in requests { XCTAssertEqual(try view(request.bookingId).state, .confirmed) }
        for (context, service) in services {
            XCTAssertEqual(service.batchTimings.snapshot.earlyFlushes, 0,
                           "a \(context) handler sent the writes queued before it in a round trip of their own")
        }
    }

    func testADeclinedCardFailsTheBookingAndReleasesTheSeats() throws {
        try startFleet()
        let flight = try scheduleFlight()
        let declined = booking(flight, passengers: 1, seats: ["14C"], token: "tok_declined")
        let poor = booking(flight, passengers: 2, token: "tok_insufficient_funds")
        try publish([declined, poor])
        try waitUntilSettled([declined.bookingId, poor.bookingId])

        let first = try view(declined.bookingId), second = try view(poor.bookingId)
        XCTAssertEqual(first.state, .failed)
        XCTAssertEqual(first.reason, "payment-declined")
        XCTAssertEqual(first.detail, "card-declined")
        XCTAssertEqual(second.reason, "payment-declined")
        XCTAssertEqual(second.detail, "insufficient-funds")
        XCTAssertNil(first.pnr)
        try fleet.eventually("the seats are released") { try seatCounts(flight.flightId) == (0, 0) }
        XCTAssertEqual(try captures(), 0)
        XCTAssertEqual(Set(try tap.events(BookingFailed.self).map(\.reason)), [.paymentDeclined])
        XCTAssertEqual(try paymentView(poor.bookingId).state, .declined)

        // The seat is free again for the next customer.
        let next = booking(flight, passengers: 1, seats: ["14C"])
        try publish([next])
        try waitUntilSettled([next.bookingId])
        XCTAssertEqual(try view(next.bookingId).state, .confirmed)
    }

    func testAGatewayThatFailsOrTimesOutAndRecoversChargesOnce() throws {
        var settings = Self.paymentSettings
        settings.breakerFailures = 20  // these failures are not an outage
        try startFleet(paymentSettings: settings)
        let flight = try scheduleFlight()
        // Fails 4 times: three calls in the first delivery, one more after the first rung.
        let failing = booking(flight, token: "tok_fail_4")
        // Takes the money, then the answer is lost twice; the third call with the key gets the charge.
        let slow = booking(flight, token: "tok_timeout_2")
        try publish([failing, slow])
        try waitUntilSettled([failing.bookingId, slow.bookingId])

        XCTAssertEqual(try view(failing.bookingId).state, .confirmed)
        XCTAssertEqual(try view(slow.bookingId).state, .confirmed)
        XCTAssertEqual(try providerCalls(failing.bookingId), 5)
        XCTAssertEqual(try providerCalls(slow.bookingId), 3)
        XCTAssertEqual(try captures(of: failing.bookingId), 1)
        XCTAssertEqual(try captures(of: slow.bookingId), 1, "the timed-out calls charged once in all")
        XCTAssertEqual(try tap.events(PaymentCaptured.self).count, 2)
    }

    /// A provider that is down opens the breaker. A charge that meets it waits for the trial
    /// call instead of failing at once (its hold leaves time for that), and fails only when its
    /// retries run out; a good card that comes meanwhile is charged once the breaker lets it.
    func testAGatewayThatIsDownOpensTheBreakerAndChargesWaitForItToClose() throws {
        var settings = Self.paymentSettings
        settings.breakerFailures = 3
        settings.breakerCoolDown = .seconds(3)
        try startFleet(paymentSettings: settings)
        let flight = try scheduleFlight()

        let down = booking(flight, passengers: 2, token: "tok_unavailable")
        try publish([down])
        try waitUntilSettled([down.bookingId])
        XCTAssertEqual(try view(down.bookingId).reason, "payment-unavailable")
        XCTAssertEqual(try paymentView(down.bookingId).reason, "retries-exhausted",
                       "the breaker's waits cost no rung: the charge fails when its retries are spent, not as circuit-open")
        XCTAssertGreaterThan(try providerCalls(down.bookingId), 3, "after the cool-down, a trial call was made")

        let meanwhile = booking(flight, token: "tok_visa")
        try publish([meanwhile])
        try waitUntilSettled([meanwhile.bookingId])
        XCTAssertEqual(try view(meanwhile.bookingId).state, .confirmed)
        XCTAssertEqual(try providerCalls(meanwhile.bookingId), 1)
        XCTAssertEqual(try captures(), 1)
        try fleet.eventually("the failed booking's seats are released") { try seatCounts(flight.flightId) == (0, 1) }
    }

    func testAHoldThatExpiresBeforeThePaymentExpiresTheBookingAndTheLatePaymentIsRefunded() throws {
        // The provider takes 2.5 s to answer; the seats are held for 1 s.
        try startFleet(bookingSettings: BookingSettings(holdTime: .seconds(1), stepTimeout: .seconds(20),
                                                        timeoutSweepInterval: .milliseconds(250)),
                       sandboxSettings: SandboxGateway.Settings(latency: .milliseconds(2500), clientTimeout: .seconds(5)))
        let flight = try scheduleFlight()
        let request = booking(flight, passengers: 2)
        try publish([request])
        try waitUntilSettled([request.bookingId])
        XCTAssertEqual(try state(request.bookingId), "expired")
        try fleet.eventually("the late payment is refunded") {
            try view(request.bookingId).refund?.status == .refunded
        }
        let booking = try view(request.bookingId)
        XCTAssertEqual(booking.state, .expired, "the late payment did not revive it")
        XCTAssertEqual(booking.charged, 80_000)
        XCTAssertEqual(booking.refund?.amount, 80_000)
        XCTAssertEqual(try capturedAmount(), 80_000)
        XCTAssertEqual(try refundedAmount(), 80_000)
        XCTAssertEqual(try seatCounts(flight.flightId).sold, 0)
        XCTAssertEqual(try tap.events(BookingExpired.self).count, 1)
        XCTAssertEqual(try tap.events(BookingConfirmed.self).count, 0)
    }

    func testAStepThatGetsNoAnswerTimesOutAndIsCompensated() throws {
        let flightsService = try fleet.start(FlightsContext.definition(holdSweepInterval: .milliseconds(250)))
        try startFleet(flights: 0, bookingSettings: BookingSettings(holdTime: .seconds(30), stepTimeout: .seconds(2),
                                                                    timeoutSweepInterval: .milliseconds(250)))
        let flight = try scheduleFlight()
        flightsService.stop()
        let unanswered = booking(flight)
        try publish([unanswered])
        try waitUntilSettled([unanswered.bookingId])
        XCTAssertEqual(try state(unanswered.bookingId), "failed")
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(bookings).bookings WHERE booking_id = $1 AND reason = 'timed-out'",
                                         unanswered.bookingId), 1)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(bookings).bookings WHERE booking_id = $1 AND deadline_at IS NULL",
                                         unanswered.bookingId), 1, "a failed booking waits for nothing")
        XCTAssertEqual(try tap.events(BookingFailed.self).count, 1)
    }

    func testABookingWaitingLongerThanItsFirstStepMayIsNotTimedOutBeforeItsOwnStepsDeadline() throws {
        // The first step (the hold) may take 2 s, the charge up to the hold's end: the sweep meets
        // the booking at the first step's deadline while its charge is still on its way.
        try startFleet(bookingSettings: BookingSettings(holdTime: .seconds(30), stepTimeout: .seconds(2),
                                                        timeoutSweepInterval: .milliseconds(250)),
                       sandboxSettings: SandboxGateway.Settings(latency: .milliseconds(3500), clientTimeout: .seconds(10)))
        let flight = try scheduleFlight()
        let slow = booking(flight)
        try publish([slow])
        try waitUntilSettled([slow.bookingId])
        XCTAssertEqual(try state(slow.bookingId), "confirmed")
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(bookings).bookings WHERE booking_id = $1 AND sweep_at IS NULL",
                                         slow.bookingId), 1, "a confirmed booking is not swept again")
        XCTAssertEqual(try tap.events(BookingFailed.self).count, 0)
    }

    func testTheSagasStepsRewriteABookingInPlaceWithoutNewIndexEntries() throws {
        try startFleet()
        let flight = try scheduleFlight()
        let requests = (0..<6).map { _ in booking(flight) }
        try publish(requests)
        try waitUntilSettled(requests.map(\.bookingId))
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(bookings).bookings WHERE state = 'confirmed'"), requests.count)
        // Seats held and paid change no indexed column; confirmed clears the sweep's time.
        let schema = fleet.configuration.schema(for: BookingsContext.name)
        let counters = "SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE schemaname = '\(schema)' AND relname = 'bookings'"
        try fleet.eventually("the bookings table's update counters", timeout: .seconds(30)) {
            try fleet.integer(counters) >= 2 * requests.count
        }
    }
}
