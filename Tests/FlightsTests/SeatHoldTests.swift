import Contracts
import Fleet
import FleetTestSupport
@testable import Flights
import Foundation
import XCTest

/// Holding specific seats or any N, confirming, releasing, expiring, and idempotency by holdId.
final class SeatHoldTests: FlightsTestCase {
    private func hold(_ flight: ScheduleFlight, cabin: String = "economy", seats: [String]? = nil, count: Int? = nil,
                      seconds: Int? = nil) -> HoldSeats {
        HoldSeats(holdId: UUID(), bookingId: UUID(), flightId: flight.flightId, cabin: cabin, seats: seats, count: count,
                  holdSeconds: seconds)
    }

    func testSpecificSeatsAreHeldOnceThenRefusedAsTakenAndUnknownCabinsAreRefused() throws {
        _ = try fleet.start(FlightsContext.definition())
        let flight = try schedule([makeFlight()])[0]
        let first = hold(flight, seats: ["12A", "12B"])
        try publish([first])
        let held = try XCTUnwrap(tap.wait(for: SeatsHeld.self, count: 1, in: fleet).first)
        XCTAssertEqual(held.seats, ["12A", "12B"])
        XCTAssertEqual(held.pricePerSeat, 40_000)
        XCTAssertEqual(held.total, 80_000)
        XCTAssertEqual(held.currency, "EUR")
        XCTAssertEqual(held.expiresAt.timeIntervalSinceNow, 600, accuracy: 30)

        let taken = hold(flight, seats: ["12B", "12C"])
        let noCabin = hold(flight, cabin: "first", count: 1)
        let badCabinName = hold(flight, cabin: "galley", count: 1)
        let noSuchSeat = hold(flight, seats: ["2B"])  // business rows have no B seat
        let farBack = hold(flight, seats: ["14A", "99Z"])
        let businessSeat = hold(flight, seats: ["14A", "3D"])  // row 3 is business on an A320
        let noFlight = HoldSeats(holdId: UUID(), bookingId: UUID(), flightId: UUID(), cabin: "economy", count: 1)
        try publish([taken, noCabin, badCabinName, noSuchSeat, farBack, businessSeat, noFlight])
        let rejected = try tap.wait(for: SeatsHoldRejected.self, count: 7, in: fleet)
        let byHold = Dictionary(uniqueKeysWithValues: rejected.map { ($0.holdId, $0) })
        XCTAssertEqual(byHold[taken.holdId]?.reason, .seatTaken)
        XCTAssertEqual(byHold[taken.holdId]?.seats, ["12B"])
        XCTAssertEqual(byHold[noCabin.holdId]?.reason, .cabinUnknown)
        XCTAssertEqual(byHold[badCabinName.holdId]?.reason, .cabinUnknown)
        XCTAssertEqual(byHold[noSuchSeat.holdId]?.reason, .seatUnknown)
        XCTAssertEqual(byHold[noSuchSeat.holdId]?.seats, ["2B"])
        XCTAssertEqual(byHold[farBack.holdId]?.reason, .seatUnknown)
        XCTAssertEqual(byHold[farBack.holdId]?.seats, ["99Z"])
        XCTAssertEqual(byHold[businessSeat.holdId]?.reason, .seatNotInCabin)
        XCTAssertEqual(byHold[businessSeat.holdId]?.seats, ["3D"])
        XCTAssertEqual(byHold[noFlight.holdId]?.reason, .flightNotFound)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(flights).seat_assignments"), 2)
        XCTAssertEqual(try fleet.integer("SELECT taken FROM \(flights).flight_cabins WHERE cabin = 'economy'"), 2)
        try assertCabinsListTheirSeatRows()
    }

    func testTheSameHoldIdAgainReEmitsTheFirstOutcomeAndHoldsNothingMore() throws {
        _ = try fleet.start(FlightsContext.definition())
        let flight = try schedule([makeFlight()])[0]
        let command = hold(flight, count: 3)
        try publish([command])
        try tap.wait(for: SeatsHeld.self, count: 1, in: fleet)
        try publish([command, command])
        let held = try tap.wait(for: SeatsHeld.self, count: 3, in: fleet)
        XCTAssertEqual(Set(held.map(\.seats)), [["4A", "4B", "4C"]])
        XCTAssertEqual(Set(held.map(\.expiresAt)).count, 1)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(flights).seat_assignments"), 3)

        let refused = hold(flight, seats: ["4A"])
        try publish([refused])
        try tap.wait(for: SeatsHoldRejected.self, count: 1, in: fleet)
        try publish([ReleaseSeats(holdId: command.holdId)])
        try tap.wait(for: SeatsReleased.self, count: 1, in: fleet)
        try publish([refused])  // 4A is free now, but this holdId was answered "seat-taken" already
        let rejections = try tap.wait(for: SeatsHoldRejected.self, count: 2, in: fleet)
        XCTAssertEqual(rejections.map(\.reason), [.seatTaken, .seatTaken])
    }

    func testConfirmSellsTheSeatsAndAConfirmAfterExpiryIsRefused() throws {
        _ = try fleet.start(FlightsContext.definition())
        let flight = try schedule([makeFlight()])[0]
        let kept = hold(flight, cabin: "business", count: 2)
        let lapsed = hold(flight, cabin: "business", seats: ["3F"], seconds: 1)
        try publish([kept, lapsed])
        try tap.wait(for: SeatsHeld.self, count: 2, in: fleet)
        try publish([ConfirmSeats(holdId: kept.holdId, bookingId: kept.bookingId)])
        let confirmed = try XCTUnwrap(tap.wait(for: SeatsConfirmed.self, count: 1, in: fleet).first)
        XCTAssertEqual(confirmed.seats, ["1A", "1C"])
        XCTAssertEqual(confirmed.total, 400_000)

        try tap.wait(for: SeatsHoldExpired.self, count: 1, in: fleet, timeout: .seconds(10))
        try publish([ConfirmSeats(holdId: lapsed.holdId, bookingId: lapsed.bookingId),
                     ConfirmSeats(holdId: UUID(), bookingId: UUID()),
                     ConfirmSeats(holdId: kept.holdId, bookingId: UUID())])
        let refusals = try tap.wait(for: SeatsConfirmRejected.self, count: 3, in: fleet)
        XCTAssertEqual(Set(refusals.map { "\($0.holdId == lapsed.holdId ? "lapsed" : "other") \($0.reason.rawValue)" }),
                       ["lapsed hold-expired", "other hold-unknown"])

        let map = try client().ask(GetSeatMap(flightId: flight.flightId))
        let states = Dictionary(uniqueKeysWithValues: map.seats.map { ($0.seat, $0.state) })
        XCTAssertEqual(states["1A"], .sold)
        XCTAssertEqual(states["1C"], .sold)
        XCTAssertEqual(states["3F"], .available)
        // Confirming again answers the same.
        try publish([ConfirmSeats(holdId: kept.holdId, bookingId: kept.bookingId)])
        let twice = try tap.wait(for: SeatsConfirmed.self, count: 2, in: fleet)
        XCTAssertEqual(twice[0], twice[1])
    }

    func testAReleaseFreesTheSeatsAndAReleaseBeforeItsHoldRefusesTheHold() throws {
        _ = try fleet.start(FlightsContext.definition())
        let flight = try schedule([makeFlight()])[0]
        let command = hold(flight, seats: ["20C", "20D"])
        try publish([command])
        try tap.wait(for: SeatsHeld.self, count: 1, in: fleet)
        try publish([ReleaseSeats(holdId: command.holdId)])
        let released = try XCTUnwrap(tap.wait(for: SeatsReleased.self, count: 1, in: fleet).first)
        XCTAssertEqual(released.seats, ["20C", "20D"])
        XCTAssertEqual(released.bookingId, command.bookingId)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(flights).seat_assignments"), 0)
        XCTAssertEqual(try fleet.integer("SELECT taken FROM \(flights).flight_cabins WHERE cabin = 'economy'"), 0)
        try assertCabinsListTheirSeatRows()
        try publish([ConfirmSeats(holdId: command.holdId, bookingId: command.bookingId)])
        XCTAssertEqual(try tap.wait(for: SeatsConfirmRejected.self, count: 1, in: fleet).first?.reason, .holdExpired)

        let early = hold(flight, count: 1)
        try publish([ReleaseSeats(holdId: early.holdId)])
        try tap.wait(for: SeatsReleased.self, count: 2, in: fleet)
        try publish([early])
        XCTAssertEqual(try tap.wait(for: SeatsHoldRejected.self, count: 1, in: fleet).first?.reason, .holdReleased)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(flights).seat_assignments"), 0)
    }

    func testTheExpiryFunctionReleasesOverdueHoldsWhenCalledDirectly() throws {
        // The job barely runs here (once at start), so the test calls the function itself.
        _ = try fleet.start(FlightsContext.definition(holdSweepInterval: .seconds(3600)))
        let flight = try schedule([makeFlight()])[0]
        let short = hold(flight, count: 2, seconds: 1)
        let long = hold(flight, count: 1)
        try publish([short, long])
        try tap.wait(for: SeatsHeld.self, count: 2, in: fleet)
        let db = try flightsConnection()
        defer { db.close() }
        var expired: [SeatsHoldExpired] = []
        XCTAssertEqual(try db.transaction { try HoldExpiry.sweep(db, now: Date()) { expired.append($0) } }, 0)
        Thread.sleep(forTimeInterval: 1.2)
        XCTAssertEqual(try db.transaction { try HoldExpiry.sweep(db, now: Date()) { expired.append($0) } }, 1)
        XCTAssertEqual(expired.map(\.holdId), [short.holdId])
        XCTAssertEqual(expired.first?.seats.count, 2)
        XCTAssertEqual(try db.transaction { try HoldExpiry.sweep(db, now: Date()) { expired.append($0) } }, 0)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(flights).seat_assignments"), 1)
        XCTAssertEqual(try fleet.integer("SELECT taken FROM \(flights).flight_cabins WHERE cabin = 'economy'"), 1)
        try assertCabinsListTheirSeatRows()
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(flights).holds WHERE status = 'expired'"), 1)
    }
}
