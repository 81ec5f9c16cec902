import Contracts
import Fleet
import FleetTestSupport
import Flights
import Foundation
import XCTest

/// `flight.board.v1`: one UTC day's departures from every airport, answered by the query worker.
final class FlightBoardTests: FlightsTestCase {
    private func utcDate(_ date: Date) -> String { String(FleetJSON.formatTimestamp(date).prefix(10)) }

    func testTheBoardListsTheUTCDaysDeparturesInOrderCancelledIncluded() throws {
        _ = try fleet.start(FlightsContext.definition())
        let late = makeFlight(number: "AF9", departure: day(10, hour: 23, minute: 59))
        let early = makeFlight(number: "BA1", origin: "LHR", destination: "JFK", departure: day(10, hour: 0))
        let cancelled = makeFlight(number: "LH7", origin: "FRA", destination: "CDG", departure: day(10, hour: 9), hours: 1)
        let dayBefore = makeFlight(number: "AF8", departure: day(9, hour: 23, minute: 59))
        let dayAfter = makeFlight(number: "AF10", departure: day(11, hour: 0))
        try schedule([late, early, cancelled, dayBefore, dayAfter])
        try publish([CancelFlight(flightId: cancelled.flightId, reason: "strike")])
        try fleet.eventually("the flight is cancelled") {
            try fleet.integer("SELECT count(*) FROM \(flights).flights WHERE status = 'cancelled'") == 1
        }

        let client = try client()
        let date = utcDate(day(10))
        let board = try client.ask(GetFlightBoard(date: date))
        XCTAssertEqual(board.date, date)
        XCTAssertEqual(board.flights.map(\.number), ["BA1", "LH7", "AF9"])
        XCTAssertEqual(board.flights.map(\.status), ["scheduled", "cancelled", "scheduled"])
        // The same snapshot flight.get.v1 answers, so the console shows one flight one way.
        XCTAssertEqual(board.flights[0], try client.ask(GetFlight(flightId: early.flightId)).flight)

        XCTAssertEqual(try client.ask(GetFlightBoard(date: date, limit: 2)).flights.map(\.number), ["BA1", "LH7"])
        XCTAssertEqual(try client.ask(GetFlightBoard(date: utcDate(day(11)))).flights.map(\.number), ["AF10"])
        XCTAssertEqual(try client.ask(GetFlightBoard(date: utcDate(day(30)))).flights, [])
    }

    func testTheBoardRefusesABadDateOrLimitNamingTheField() throws {
        _ = try fleet.start(FlightsContext.definition())
        let client = try client()
        for (query, field) in [(GetFlightBoard(date: "2026-13-01"), "date"), (GetFlightBoard(date: "tomorrow"), "date"),
                               (GetFlightBoard(date: "2026-12-01", limit: 0), "limit"),
                               (GetFlightBoard(date: "2026-12-01", limit: 501), "limit")] {
            XCTAssertThrowsError(try client.ask(query), "\(query)") { error in
                XCTAssertEqual((error as? QueryError)?.kind, .invalid, "\(query)")
                XCTAssertEqual((error as? QueryError)?.field, field, "\(query)")
            }
        }
    }
}
