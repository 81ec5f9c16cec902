@testable import Bookings
import Contracts
import Fleet
import FleetTestSupport
import Flights
import Foundation
@testable import Payments
import XCTest

/// Bookings processes killed with SIGKILL at random points while bookings flow: afterwards every
/// booking is settled, the provider's charges are the confirmed bookings plus the refunds, and no
/// seat is held or sold twice. The draws (cards, passengers, pauses, victims) come from a seed the
/// test prints (`AIRFLEET_TEST_SEED` repeats it); what it asserts holds for every draw and every
/// machine's speed.
final class CrashTests: BookingsTestCase {
    func testBookingsProcessesKilledAtRandomLoseAndDoubleNothing() throws {
        var generator = SeededGenerator.fromEnvironment()
        print("crash: seed \(generator.seed) (AIRFLEET_TEST_SEED=\(generator.seed) draws this run again)")
        try startFleet(bookings: 0, flights: 1, payments: 1)
        let flight = try scheduleFlight()
        let environment = fleet.environment.merging([
            "AIRFLEET_BOOKING_HOLD_TIME": "30s", "AIRFLEET_BOOKING_STEP_TIMEOUT": "20s",
            "AIRFLEET_BOOKING_TIMEOUT_SWEEP_INTERVAL": "250ms",
            // Small batches, so a kill lands between the steps of many bookings; and no message is
            // given up as a crasher however often its process dies here.
            "AIRFLEET_BATCH_SIZE": "5", "AIRFLEET_PREFETCH": "20", "AIRFLEET_CRASH_LIMIT": "1000",
        ]) { $1 }
        var processes = try (0..<2).map { _ in try AirfleetProcess(["consume", "bookings"], environment: environment) }
        var logs: [URL] = processes.map(\.logFile)
        defer {
            processes.forEach { $0.kill() }
            if testRun?.hasSucceeded == false { for log in logs { print((try? String(contentsOf: log, encoding: .utf8)) ?? "") } }
        }

        let tokens = ["tok_visa", "tok_visa", "tok_visa", "tok_mastercard", "tok_declined", "tok_fail_2"]
        var requests: [CreateBooking] = []
        var kills = 0
        let until = ContinuousClock.now + .seconds(8)
        while ContinuousClock.now < until {
            let wave = (0..<6).map { _ in
                booking(flight, passengers: Int.random(in: 1...2, using: &generator),
                        token: tokens.randomElement(using: &generator)!, customer: UUID())
            }
            try publish(wave)
            requests += wave
            Thread.sleep(forTimeInterval: Double.random(in: 0.2...0.6, using: &generator))
            let victim = Int.random(in: 0..<processes.count, using: &generator)
            processes[victim].kill()
            kills += 1
            processes[victim] = try AirfleetProcess(["consume", "bookings"], environment: environment)
            logs.append(processes[victim].logFile)
        }
        let ids = requests.map(\.bookingId)
        try waitUntilSettled(ids, timeout: .seconds(90))
        try fleet.eventually("every refund asked for is made", timeout: .seconds(30)) {
            try fleet.integer("SELECT count(*) FROM \(bookings).bookings WHERE refund_status = 'pending'") == 0
        }

        // Every booking exists once and is settled.
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(bookings).bookings WHERE booking_id = ANY($1::uuid[])", ids),
                       requests.count)
        let confirmed = try fleet.integer("SELECT count(*) FROM \(bookings).bookings WHERE state = 'confirmed'")
        XCTAssertGreaterThan(confirmed, 0)
        // A declined card's booking fails as declined, unless it never got seats to pay for; a run
        // of failing cards that opens the breaker makes the others wait for it, not fail untried.
        let declined = requests.filter { $0.paymentToken == "tok_declined" }.map(\.bookingId)
        let soldOut = try fleet.integer(
            "SELECT count(*) FROM \(bookings).bookings WHERE booking_id = ANY($1::uuid[]) AND state = 'failed' AND reason = 'sold-out'",
            declined)
        XCTAssertEqual(try fleet.integer(
            "SELECT count(*) FROM \(bookings).bookings WHERE booking_id = ANY($1::uuid[]) AND state = 'failed' AND reason = 'payment-declined'",
            declined), declined.count - soldOut, "every declined card that was charged, and only those")
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(payments).payments WHERE reason = 'circuit-open'"), 0,
                       "no charge failed untried while its hold had time to wait for the breaker")

        // The provider charged the confirmed bookings, and whatever else it charged was refunded.
        let confirmedAmount = try fleet.integer("SELECT coalesce(sum(captured), 0) FROM \(bookings).bookings WHERE state = 'confirmed'")
        XCTAssertEqual(try capturedAmount(), confirmedAmount + (try refundedAmount()))
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(payments).payments WHERE state = 'captured'"),
                       confirmed + (try fleet.integer("SELECT count(*) FROM \(payments).refunds WHERE state = 'refunded'")))

        // Each confirmed booking owns exactly its sold seats; nothing else is held or sold.
        let seats = try fleet.integer(
            "SELECT coalesce(sum(cardinality(seats)), 0) FROM \(bookings).bookings WHERE state = 'confirmed'")
        XCTAssertEqual(try seatCounts(flight.flightId).sold, seats)
        try fleet.eventually("no seat stays held") { try seatCounts(flight.flightId).held == 0 }
        XCTAssertEqual(try fleet.integer(
            """
            SELECT count(*) FROM \(bookings).bookings b JOIN \(flights).seat_assignments a ON a.hold_id = b.hold_id
            WHERE b.state = 'confirmed' AND a.sold AND a.seat = ANY(b.seats)
            """), seats)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(bookings).bookings WHERE state = 'confirmed' AND pnr IS NULL"), 0)
        print("crash: seed \(generator.seed), \(requests.count) bookings, \(kills) SIGKILLs, \(confirmed) confirmed")
    }
}
