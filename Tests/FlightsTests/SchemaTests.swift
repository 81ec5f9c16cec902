import Contracts
import Fleet
@testable import Flights
import FleetTestSupport
import Foundation
import XCTest

/// What the Swift types encode validates against Schemas/flights/<type>.schema.json, so a client
/// in any language can publish commands and read events and answers from the schemas alone.
final class SchemaTests: XCTestCase {
    /// Runs Schemas/validate.py; returns its exit status and output.
    private func validate(_ schema: String, _ documents: [Data]) throws -> (status: Int32, output: String) {
        try SchemaCheck.validate(documents, against: "flights/\(schema).schema.json")
    }

    func testEveryMessageTheSwiftTypesEncodeValidatesAgainstItsSchema() throws {
        let flight = UUID(), hold = UUID(), booking = UUID()
        let departure = Date().addingTimeInterval(86_400), arrival = departure.addingTimeInterval(7 * 3600)
        let snapshot = FlightSnapshot(flightId: flight, number: "AF22", origin: "CDG", destination: "JFK", departure: departure,
                                      arrival: arrival, aircraftType: "A320", status: "scheduled", gate: nil,
                                      fares: ["business": 200_000, "economy": 40_000], currency: "EUR")
        let samples: [(MessageType, [any Encodable])] = [
            (ScheduleFlight.messageType, [ScheduleFlight(flightId: flight, number: "AF22", origin: "CDG", destination: "JFK",
                                                         departure: departure, arrival: arrival, aircraftType: "A320",
                                                         fares: ["economy": 100], currency: "EUR", gate: "K40")]),
            (UpdateFlight.messageType, [UpdateFlight(flightId: flight, number: "AF23"), UpdateFlight(flightId: flight, fares: ["first": 1])]),
            (DelayFlight.messageType, [DelayFlight(flightId: flight, departure: departure, arrival: arrival, reason: "fog"),
                                       DelayFlight(flightId: flight, departure: departure, arrival: arrival)]),
            (ChangeGate.messageType, [ChangeGate(flightId: flight, gate: "B22", reason: "stand")]),
            (CancelFlight.messageType, [CancelFlight(flightId: flight, reason: "strike")]),
            (HoldSeats.messageType, [HoldSeats(holdId: hold, bookingId: booking, flightId: flight, cabin: "economy", count: 2),
                                     HoldSeats(holdId: hold, bookingId: booking, flightId: flight, cabin: "business",
                                               seats: ["1A", "12C"], holdSeconds: 30)]),
            (ReleaseSeats.messageType, [ReleaseSeats(holdId: hold)]),
            (ConfirmSeats.messageType, [ConfirmSeats(holdId: hold, bookingId: booking)]),
            (FlightScheduled.messageType, [FlightScheduled(flight: snapshot)]),
            (FlightUpdated.messageType, [FlightUpdated(flight: snapshot, changed: ["number", "fares"])]),
            (FlightDelayed.messageType, [FlightDelayed(flightId: flight, number: "AF22", origin: "CDG", destination: "JFK",
                                                       previousDeparture: departure, previousArrival: arrival, departure: arrival,
                                                       arrival: arrival.addingTimeInterval(60), gate: nil, reason: nil)]),
            (FlightGateChanged.messageType, [FlightGateChanged(flightId: flight, number: "AF22", origin: "CDG", destination: "JFK",
                                                               departure: departure, previousGate: nil, gate: "A1", reason: nil)]),
            (FlightCancelled.messageType, [FlightCancelled(flightId: flight, number: "AF22", origin: "CDG", destination: "JFK",
                                                           departure: departure, arrival: arrival, reason: "strike")]),
            (SeatsHeld.messageType, [SeatsHeld(holdId: hold, bookingId: booking, flightId: flight, cabin: .economy, seats: ["4A"],
                                               pricePerSeat: 100, total: 100, currency: "EUR", expiresAt: departure)]),
            (SeatsHoldRejected.messageType, SeatsHoldRejected.Reason.allCases.map {
                SeatsHoldRejected(holdId: hold, bookingId: booking, flightId: flight, reason: $0, seats: $0 == .seatTaken ? ["4A"] : nil)
            }),
            (SeatsReleased.messageType, [SeatsReleased(holdId: hold, bookingId: booking, flightId: flight, cabin: .economy, seats: ["4A"]),
                                         SeatsReleased(holdId: hold, bookingId: nil, flightId: nil, cabin: nil, seats: [])]),
            (SeatsConfirmed.messageType, [SeatsConfirmed(holdId: hold, bookingId: booking, flightId: flight, cabin: .economy,
                                                         seats: ["4A", "4B"], pricePerSeat: 100, total: 200, currency: "EUR")]),
            (SeatsConfirmRejected.messageType, SeatsConfirmRejected.Reason.allCases.map {
                SeatsConfirmRejected(holdId: hold, bookingId: booking, reason: $0)
            }),
            (SeatsHoldExpired.messageType, [SeatsHoldExpired(holdId: hold, bookingId: booking, flightId: flight, cabin: .economy,
                                                             seats: ["4A"], expiredAt: departure)]),
            (SearchFlights.messageType, [SearchFlights(origin: "CDG", destination: "JFK", date: "2026-12-01"),
                                         SearchFlights(origin: "CDG", destination: "JFK", date: "2026-12-01", passengers: 3,
                                                       cabin: .premiumEconomy, sort: .price, page: 2, pageSize: 100)]),
            (GetFlight.messageType, [GetFlight(flightId: flight)]),
            (GetFlightBoard.messageType, [GetFlightBoard(date: "2026-12-01"), GetFlightBoard(date: "2026-12-01", limit: 500)]),
            (GetSeatMap.messageType, [GetSeatMap(flightId: flight)]),
            (ListAirports.messageType, [ListAirports(), ListAirports(country: "FR")]),
        ]
        let responses: [(String, [any Encodable])] = [
            ("flight.search.v1.response", [SearchFlights.Response(flights: [FlightOffer(
                flightId: flight, number: "AF22", origin: "CDG", destination: "JFK", departure: departure, arrival: arrival,
                localDeparture: "2026-12-01T10:25", status: "delayed", aircraftType: "A320", cabin: .economy,
                pricePerPassenger: 100, totalPrice: 200, currency: "EUR", seatsLeft: 3)], page: 1, pageSize: 20, total: 1)]),
            ("flight.get.v1.response", [GetFlight.Response(flight: snapshot, cabins: [
                CabinAvailability(cabin: .business, seats: 12, seatsLeft: 0, baseFare: 10, currentPrice: 20)])]),
            ("flight.board.v1.response", [GetFlightBoard.Response(date: "2026-12-01", flights: [snapshot]),
                                          GetFlightBoard.Response(date: "2026-12-02", flights: [])]),
            ("flight.seat-map.v1.response", [GetSeatMap.Response(flightId: flight, aircraftType: "A320", seats: [
                SeatState(seat: "1A", row: 1, letter: "A", cabin: .business, state: .held)])]),
            ("airport.list.v1.response", [ListAirports.Response(airports: SeedAirports.all)]),
        ]
        XCTAssertEqual(try SchemaCheck.problems(encoding: samples.map({ ($0.0.description, $0.1) }) + responses, context: "flights"), [])
    }

    func testTheSchemasRefuseBrokenMessages() throws {
        let brokenHold = #"{"holdId":"nope","bookingId":"9a1d2f30-7b4e-4c8a-a1f2-6e5d4c3b2a10","flightId":"0b6c7c1e-6a51-4b7e-9a57-2f1c8f3c2d10","cabin":"economy","seats":["1A"],"count":2,"holdSeconds":0}"#
        let hold = try validate("seats.hold.v1", [Data(brokenHold.utf8)])
        XCTAssertEqual(hold.status, 1)
        for fault in ["$.holdId", "$.holdSeconds", "is not valid under any of the given schemas"] {
            XCTAssertTrue(hold.output.contains(fault), "\(fault) in \(hold.output)")
        }
        let brokenSchedule = #"{"flightId":"0b6c7c1e-6a51-4b7e-9a57-2f1c8f3c2d10","number":"B","origin":"lhr","destination":"JFK","departure":"2026-12-01T10:25:00Z","arrival":"2026-12-01T18:40:00Z","aircraftType":"A320","fares":{"economy":0,"cargo":5},"currency":"GBP"}"#
        let schedule = try validate("flight.schedule.v1", [Data(brokenSchedule.utf8)])
        XCTAssertEqual(schedule.status, 1)
        for fault in ["$.number", "$.origin", "$.fares.economy", "'cargo' is not one of"] {
            XCTAssertTrue(schedule.output.contains(fault), "\(fault) in \(schedule.output)")
        }
    }
}
