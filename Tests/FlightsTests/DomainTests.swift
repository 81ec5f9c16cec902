import Contracts
import Fleet
@testable import Flights
import Foundation
import XCTest

/// The pure rules: pricing, seat allocation, layouts, the schedule generator and the message checks.
final class DomainTests: XCTestCase {
    func testPriceMultiplierAtEachBoundaryOfTheLoadFactor() {
        // 200 seats: 50 % is 100 seats, 75 % is 150, 90 % is 180.
        let cases: [(taken: Int, percent: Int)] = [
            (0, 100), (100, 100), (101, 125), (150, 125), (151, 160), (180, 160), (181, 200), (200, 200),
        ]
        for (taken, percent) in cases {
            XCTAssertEqual(Pricing.multiplierPercent(taken: taken, capacity: 200), percent, "taken \(taken) of 200")
        }
        XCTAssertEqual(Pricing.price(baseFare: 10_000, taken: 100, capacity: 200), 10_000)
        XCTAssertEqual(Pricing.price(baseFare: 10_000, taken: 101, capacity: 200), 12_500)
        XCTAssertEqual(Pricing.price(baseFare: 10_000, taken: 151, capacity: 200), 16_000)
        XCTAssertEqual(Pricing.price(baseFare: 10_000, taken: 181, capacity: 200), 20_000)
        // Odd capacities: 5 of 9 is 55.6 %, 7 of 9 is 77.8 %, 9 of 10 is exactly 90 %.
        XCTAssertEqual(Pricing.multiplierPercent(taken: 5, capacity: 9), 125)
        XCTAssertEqual(Pricing.multiplierPercent(taken: 7, capacity: 9), 160)
        XCTAssertEqual(Pricing.multiplierPercent(taken: 9, capacity: 10), 160)
        // Rounded half up to the minor unit.
        XCTAssertEqual(Pricing.price(baseFare: 999, taken: 101, capacity: 200), 1249)  // 1248.75
        XCTAssertEqual(Pricing.price(baseFare: 1002, taken: 101, capacity: 200), 1253)  // 1252.5
    }

    func testLayoutsHaveTheirCabinsAndUniqueSeats() {
        let expected: [String: [Cabin: Int]] = [
            "A320": [.business: 12, .economy: 150],
            "B737-800": [.business: 16, .economy: 156],
            "A350-900": [.business: 32, .premiumEconomy: 32, .economy: 234],
            "B777-300ER": [.first: 8, .business: 32, .premiumEconomy: 32, .economy: 310],
        ]
        for layout in AircraftLayout.all {
            let seats = layout.cabins.flatMap(\.seats)
            XCTAssertEqual(Set(seats).count, seats.count, layout.code)
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: layout.cabins.map { ($0.cabin, $0.seats.count) }), expected[layout.code])
        }
    }

    func testAGroupSitsTogetherWhenARowAllowsElseTheFirstFreeSeats() throws {
        let cabin = try XCTUnwrap(AircraftLayout.find("A320")?.cabin(.economy))
        let taken: Set<SeatNumber> = ["4A", "4B", "4D", "5B", "5E"].compactMap(SeatNumber.init).reduce(into: []) { $0.insert($1) }
        XCTAssertEqual(SeatAllocator.pick(1, in: cabin, taken: taken)?.map(\.description), ["4C"])
        // Row 4 has C alone (aisle after C) and E-F; row 5 has no three in a block; row 6 has.
        XCTAssertEqual(SeatAllocator.pick(2, in: cabin, taken: taken)?.map(\.description), ["4E", "4F"])
        XCTAssertEqual(SeatAllocator.pick(3, in: cabin, taken: taken)?.map(\.description), ["6A", "6B", "6C"])
        let nearlyFull = Set(cabin.seats.dropLast(2))
        XCTAssertEqual(SeatAllocator.pick(2, in: cabin, taken: nearlyFull)?.map(\.description), ["28E", "28F"])
        XCTAssertNil(SeatAllocator.pick(3, in: cabin, taken: nearlyFull))
    }

    func testTheScheduleIsDeterministicUsesOnlySeededAirportsAndLandsAfterLeaving() throws {
        let start = FleetJSON.parseTimestamp("2031-03-28T09:30:00Z")!  // the weekend European clocks go forward
        let first = FlightSchedule.generate(days: 3, startingAt: start, seed: 42)
        let again = FlightSchedule.generate(days: 3, startingAt: start, seed: 42)
        let other = FlightSchedule.generate(days: 3, startingAt: start, seed: 7)
        XCTAssertEqual(first, again)
        XCTAssertNotEqual(first, other)
        XCTAssertGreaterThan(first.count, 300)
        let codes = Set(SeedAirports.all.map(\.code))
        for flight in first {
            XCTAssertTrue(codes.contains(flight.origin) && codes.contains(flight.destination), "\(flight.number)")
            XCTAssertGreaterThan(flight.arrival, flight.departure)
            XCTAssertGreaterThan(flight.departure, start)
            XCTAssertNoThrow(try flight.validate(), "\(flight)")
            XCTAssertNotNil(AircraftLayout.find(flight.aircraftType))
        }
        XCTAssertEqual(Set(first.map(\.flightId)).count, first.count, "flight ids are unique")
        // More days keep the same ids for the same flights, so seeding again schedules nothing twice.
        let longer = FlightSchedule.generate(days: 5, startingAt: start, seed: 42)
        XCTAssertTrue(Set(first.map(\.flightId)).isSubset(of: Set(longer.map(\.flightId))))
        // Long routes fly wide-bodies, short ones narrow-bodies.
        let long = first.filter { $0.arrival.timeIntervalSince($0.departure) > 6 * 3600 }
        let short = first.filter { $0.arrival.timeIntervalSince($0.departure) < 3 * 3600 }
        XCTAssertFalse(long.isEmpty)
        XCTAssertTrue(long.allSatisfy { ["A350-900", "B777-300ER"].contains($0.aircraftType) })
        XCTAssertTrue(short.allSatisfy { ["A320", "B737-800"].contains($0.aircraftType) })
    }

    func testEverySeededTimeZoneIsKnownToFoundation() {
        XCTAssertGreaterThanOrEqual(SeedAirports.all.count, 50)
        for airport in SeedAirports.all {
            XCTAssertNotNil(TimeZone(identifier: airport.timeZone), "\(airport.code) \(airport.timeZone)")
        }
    }

    func testALocalDayIsTheOriginsCalendarDay() throws {
        let (from, until) = try SearchFlightsQuery.localDay("2026-12-01", in: TimeZone(identifier: "America/New_York")!)
        XCTAssertEqual(FleetJSON.formatTimestamp(from), "2026-12-01T05:00:00.000Z")
        XCTAssertEqual(FleetJSON.formatTimestamp(until), "2026-12-02T05:00:00.000Z")
        // The day clocks go back in Europe lasts 25 hours.
        let (start, end) = try SearchFlightsQuery.localDay("2026-10-25", in: TimeZone(identifier: "Europe/Paris")!)
        XCTAssertEqual(end.timeIntervalSince(start), 25 * 3600)
    }

    func testMessagesRefuseBadFieldsByName() {
        func field(_ message: some Message) -> String? {
            do { try message.validate(); return nil } catch let error as ValidationError { return error.field } catch { return "\(error)" }
        }
        let good = ScheduleFlight(flightId: UUID(), number: "AF22", origin: "CDG", destination: "JFK",
                                  departure: Date().addingTimeInterval(86_400), arrival: Date().addingTimeInterval(86_400 + 30_000),
                                  aircraftType: "A320", fares: ["economy": 100], currency: "EUR")
        XCTAssertNil(field(good))
        var bad = good; bad.origin = "cdg"; XCTAssertEqual(field(bad), "origin")
        bad = good; bad.destination = "JFKX"; XCTAssertEqual(field(bad), "destination")
        bad = good; bad.arrival = good.departure.addingTimeInterval(-60); XCTAssertEqual(field(bad), "arrival")
        bad = good; bad.departure = Date().addingTimeInterval(-60); XCTAssertEqual(field(bad), "departure")
        bad = good; bad.fares = ["economy": 0]; XCTAssertEqual(field(bad), "fares.economy")
        bad = good; bad.fares = ["cargo": 10]; XCTAssertEqual(field(bad), "fares.cargo")
        bad = good; bad.currency = "EURO"; XCTAssertEqual(field(bad), "currency")
        bad = good; bad.number = "A"; XCTAssertEqual(field(bad), "number")

        let hold = HoldSeats(holdId: UUID(), bookingId: UUID(), flightId: UUID(), cabin: "economy", count: 2)
        XCTAssertNil(field(hold))
        var badHold = hold; badHold.seats = ["1A"]; XCTAssertEqual(field(badHold), "seats")
        badHold = hold; badHold.count = 0; XCTAssertEqual(field(badHold), "count")
        badHold = hold; badHold.count = nil; badHold.seats = ["12A", "x"]; XCTAssertEqual(field(badHold), "seats[1]")
        badHold = hold; badHold.holdSeconds = 0; XCTAssertEqual(field(badHold), "holdSeconds")

        XCTAssertEqual(field(SearchFlights(origin: "JFK", destination: "LHR", date: "2026-02-30")), "date")
        XCTAssertEqual(field(SearchFlights(origin: "JFK", destination: "LHR", date: "2026-02-03", pageSize: 101)), "pageSize")
        XCTAssertEqual(field(SearchFlights(origin: "JFK", destination: "LHR", date: "2026-02-03", passengers: 0)), "passengers")
    }
}
