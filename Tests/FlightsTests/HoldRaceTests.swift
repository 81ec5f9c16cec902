import Contracts
import Fleet
import FleetTestSupport
import Flights
import Foundation
import XCTest

/// Many processes, one cabin, more buyers than seats: each seat goes to exactly one hold.
final class HoldRaceTests: FlightsTestCase {
    func testFiveHundredConcurrentHoldsForTheLastTenSeatsWithThreeProcesses() throws {
        // Small batches and prefetch, so the three services interleave their transactions.
        let settings = ["AIRFLEET_BATCH_SIZE": "5", "AIRFLEET_PREFETCH": "40"]
        let definition = FlightsContext.definition(holdSweepInterval: .milliseconds(250))
        for _ in 0..<3 { _ = try fleet.start(definition, settings: settings) }
        let flight = try schedule([makeFlight()])[0]

        // Sell 140 of the 150 economy seats: 15 holds of 9 and one of 5, confirmed.
        let fill = (0..<16).map { index in
            HoldSeats(holdId: UUID(), bookingId: UUID(), flightId: flight.flightId, cabin: "economy", count: index < 15 ? 9 : 5)
        }
        try publish(fill)
        try tap.wait(for: SeatsHeld.self, count: 16, in: fleet)
        try publish(fill.map { ConfirmSeats(holdId: $0.holdId, bookingId: $0.bookingId) })
        try tap.wait(for: SeatsConfirmed.self, count: 16, in: fleet)
        XCTAssertEqual(try fleet.integer("SELECT taken FROM \(flights).flight_cabins WHERE cabin = 'economy'"), 140)
        try assertCabinsListTheirSeatRows()
        let heldBefore = try tap.events(SeatsHeld.self).count

        let racers = (0..<500).map { _ in
            HoldSeats(holdId: UUID(), bookingId: UUID(), flightId: flight.flightId, cabin: "economy", count: 1, holdSeconds: 15)
        }
        let started = ContinuousClock.now
        try publish(racers)
        try fleet.eventually("500 answers", timeout: .seconds(60)) {
            try tap.events(SeatsHeld.self).count - heldBefore + tap.events(SeatsHoldRejected.self).count >= 500
        }
        let raceTime = ContinuousClock.now - started
        let racerIds = Set(racers.map(\.holdId))
        let winners = try tap.events(SeatsHeld.self).filter { racerIds.contains($0.holdId) }
        let losers = try tap.events(SeatsHoldRejected.self)
        XCTAssertEqual(winners.count, 10)
        XCTAssertEqual(losers.count, 490)
        XCTAssertTrue(losers.allSatisfy { $0.reason == .soldOut })
        XCTAssertEqual(Set(winners.map(\.holdId)).count, 10)
        XCTAssertEqual(Set(losers.map(\.holdId)).count, 490)
        XCTAssertTrue(Set(winners.map(\.holdId)).isDisjoint(with: Set(losers.map(\.holdId))))
        let winningSeats = winners.flatMap(\.seats)
        XCTAssertEqual(winningSeats.count, 10)
        XCTAssertEqual(Set(winningSeats).count, 10, "no seat in two holds")
        // 140 of 150 gone is 93 %: the highest multiplier.
        XCTAssertTrue(winners.allSatisfy { $0.pricePerSeat == 80_000 })
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(flights).seat_assignments WHERE flight_id = $1", flight.flightId), 150)
        XCTAssertEqual(try fleet.integer("SELECT count(DISTINCT hold_id) FROM \(flights).seat_assignments WHERE NOT sold"), 10)
        XCTAssertEqual(try fleet.integer("SELECT taken FROM \(flights).flight_cabins WHERE cabin = 'economy'"), 150)
        try assertCabinsListTheirSeatRows()
        Thread.sleep(forTimeInterval: 0.3)
        try tap.collect()
        let otherTypes = Set(tap.received.map(\.type)).subtracting([
            "flight.scheduled.v1", "seats.held.v1", "seats.confirmed.v1", "seats.hold-rejected.v1", "seats.hold-expired.v1"])
        XCTAssertEqual(otherTypes, [], "nothing else was published")
        print("race: 500 holds for the last 10 seats, 3 services, answered in \(formatDuration(raceTime))")

        // The holds lapse after 15 s (long enough to outlast the race on a busy machine, so no
        // seat changes hands during it); the job of one process or another expires each once.
        let expired = try tap.wait(for: SeatsHoldExpired.self, count: 10, in: fleet, timeout: .seconds(40))
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(try tap.events(SeatsHoldExpired.self).count, 10, "each hold expires once")
        XCTAssertEqual(Set(expired.map(\.holdId)), Set(winners.map(\.holdId)))
        XCTAssertEqual(try fleet.integer("SELECT taken FROM \(flights).flight_cabins WHERE cabin = 'economy'"), 140)
        try assertCabinsListTheirSeatRows()

        let again = (0..<10).map { _ in
            HoldSeats(holdId: UUID(), bookingId: UUID(), flightId: flight.flightId, cabin: "economy", count: 1)
        }
        try publish(again)
        let reheld = try tap.wait(for: SeatsHeld.self, count: heldBefore + 20, in: fleet)
            .filter { Set(again.map(\.holdId)).contains($0.holdId) }
        XCTAssertEqual(Set(reheld.flatMap(\.seats)), Set(winningSeats))
        XCTAssertEqual(try tap.events(SeatsHoldRejected.self).count, 490)
    }
}
