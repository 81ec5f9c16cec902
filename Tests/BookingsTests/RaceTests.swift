@testable import Bookings
import Contracts
import Fleet
import FleetTestSupport
import Flights
import Foundation
@testable import Payments
import XCTest

/// More buyers than seats, several processes of every context: each seat is sold once, and
/// nobody whose booking failed is charged.
final class RaceTests: BookingsTestCase {
    func testTwoHundredConcurrentBookingsForTheLastTenSeats() throws {
        // Small batches and prefetch, so the services interleave their transactions.
        try startFleet(bookings: 3, flights: 2, payments: 2,
                       runtime: ["AIRFLEET_BATCH_SIZE": "10", "AIRFLEET_PREFETCH": "40"])
        let flight = try scheduleFlight()

        // Sell 140 of the 150 economy seats straight through flights: 15 holds of 9 and one of 5.
        let fill = (0..<16).map { index in
            HoldSeats(holdId: UUID(), bookingId: UUID(), flightId: flight.flightId, cabin: "economy", count: index < 15 ? 9 : 5)
        }
        try publish(fill)
        try fleet.eventually("140 seats are held") {
            try fleet.integer("SELECT taken FROM \(flights).flight_cabins WHERE flight_id = $1 AND cabin = 'economy'",
                              flight.flightId) == 140
        }
        try publish(fill.map { ConfirmSeats(holdId: $0.holdId, bookingId: $0.bookingId) })
        try fleet.eventually("140 seats are sold") { try seatCounts(flight.flightId).sold == 140 }

        let racers = (0..<200).map { _ in booking(flight, passengers: 1, customer: UUID()) }
        let started = ContinuousClock.now
        try publish(racers)
        try waitUntilSettled(racers.map(\.bookingId), timeout: .seconds(90))
        let raceTime = ContinuousClock.now - started

        let ids = racers.map(\.bookingId)
        let confirmed = try fleet.database().query(
            "SELECT booking_id FROM \(bookings).bookings WHERE booking_id = ANY($1::uuid[]) AND state = 'confirmed'", ids)
            .column(UUID.self)
        XCTAssertEqual(confirmed.count, 10)
        XCTAssertEqual(try fleet.integer(
            "SELECT count(*) FROM \(bookings).bookings WHERE booking_id = ANY($1::uuid[]) AND state = 'failed' AND reason = 'sold-out'",
            ids), 190)
        XCTAssertEqual(try seatCounts(flight.flightId).sold, 150)
        XCTAssertEqual(try fleet.integer(
            "SELECT count(DISTINCT seat) FROM \(bookings).bookings, unnest(seats) AS seat WHERE state = 'confirmed'"), 10,
            "ten different seats")

        // Only the winners reached payments; the provider charged each of them once.
        XCTAssertEqual(try captures(), 10)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(payments).payments"), 10)
        XCTAssertEqual(Set(try fleet.database().query(
            "SELECT booking_id FROM \(payments).payments WHERE state = 'captured'").column(UUID.self)), Set(confirmed))
        XCTAssertEqual(try refundedAmount(), 0)
        print("race: 200 bookings for the last 10 seats, 3 bookings + 2 flights + 2 payments services, settled in \(formatDuration(raceTime))")
    }
}
