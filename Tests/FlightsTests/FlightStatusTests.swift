import Contracts
import Fleet
import FleetTestSupport
import Flights
import Foundation
import XCTest

/// Delays, gate changes, cancellations and updates publish what the other contexts need.
final class FlightStatusTests: FlightsTestCase {
    func testStatusChangesPublishTheirEventsWithOldAndNewData() throws {
        _ = try fleet.start(FlightsContext.definition())
        let flight = try schedule([makeFlight(number: "BA117", origin: "LHR", destination: "JFK", hours: 8)])[0]
        let later = flight.departure.addingTimeInterval(2 * 3600)
        try publish([DelayFlight(flightId: flight.flightId, departure: later, arrival: later.addingTimeInterval(8 * 3600), reason: "weather")])
        let delayed = try XCTUnwrap(tap.wait(for: FlightDelayed.self, count: 1, in: fleet).first)
        XCTAssertEqual(delayed, FlightDelayed(
            flightId: flight.flightId, number: "BA117", origin: "LHR", destination: "JFK",
            previousDeparture: flight.departure, previousArrival: flight.arrival, departure: later,
            arrival: later.addingTimeInterval(8 * 3600), gate: nil, reason: "weather"))

        try publish([ChangeGate(flightId: flight.flightId, gate: "B22")])
        try tap.wait(for: FlightGateChanged.self, count: 1, in: fleet)
        try publish([ChangeGate(flightId: flight.flightId, gate: "C7", reason: "stand swap")])
        let gates = try tap.wait(for: FlightGateChanged.self, count: 2, in: fleet)
        XCTAssertEqual(gates.map(\.previousGate), [nil, "B22"])
        XCTAssertEqual(gates.map(\.gate), ["B22", "C7"])
        XCTAssertEqual(gates[1].departure, later)

        try publish([UpdateFlight(flightId: flight.flightId, number: "BA119", fares: ["economy": 45_000])])
        let updated = try XCTUnwrap(tap.wait(for: FlightUpdated.self, count: 1, in: fleet).first)
        XCTAssertEqual(updated.changed, ["number", "fares"])
        XCTAssertEqual(updated.flight.fares, ["business": 200_000, "economy": 45_000])
        XCTAssertEqual(updated.flight.gate, "C7")
        XCTAssertEqual(updated.flight.status, "delayed")

        try publish([CancelFlight(flightId: flight.flightId, reason: "technical fault")])
        let cancelled = try XCTUnwrap(tap.wait(for: FlightCancelled.self, count: 1, in: fleet).first)
        XCTAssertEqual(cancelled, FlightCancelled(flightId: flight.flightId, number: "BA119", origin: "LHR", destination: "JFK",
                                                  departure: later, arrival: later.addingTimeInterval(8 * 3600), reason: "technical fault"))
        // Subjects carry the flight id, so a consumer can route by flight.
        try tap.collect()
        XCTAssertTrue(tap.received.allSatisfy { $0.subject == flight.flightId.lowercasedString })

        // A cancelled flight takes no more delays, and cancelling again announces nothing.
        try publish([CancelFlight(flightId: flight.flightId, reason: "again")])
        try publish([DelayFlight(flightId: flight.flightId, departure: later, arrival: later.addingTimeInterval(9 * 3600))])
        try fleet.eventually("the delay is dead-lettered") { try fleet.queueState("airfleet.flights.dlq").messageCount == 1 }
        let letter = try XCTUnwrap(fleet.drain("airfleet.flights.dlq").first)
        XCTAssertTrue(letter.properties.headers[FailureHeaders.error]?.stringValue?.hasPrefix("flightId: flight BA119") ?? false)
        XCTAssertEqual(try tap.count(FlightCancelled.messageType.description), 1)
        XCTAssertEqual(try client().ask(GetFlight(flightId: flight.flightId)).flight.status, "cancelled")
    }

    /// A delay into the past is refused like a schedule into the past, even when it is published
    /// straight onto the queue: the flight keeps its times and the command is dead-lettered.
    func testADelayIntoThePastIsDeadLetteredAsInvalid() throws {
        _ = try fleet.start(FlightsContext.definition())
        let flight = try schedule([makeFlight()])[0]
        let past = Date().addingTimeInterval(-2 * 3600)
        try publish([DelayFlight(flightId: flight.flightId, departure: past, arrival: past.addingTimeInterval(8 * 3600))])
        try fleet.eventually("the delay is dead-lettered") { try fleet.queueState("airfleet.flights.dlq").messageCount == 1 }
        let letter = try XCTUnwrap(fleet.drain("airfleet.flights.dlq").first)
        XCTAssertEqual(letter.properties.headers[FailureHeaders.errorKind]?.stringValue, "invalid")
        XCTAssertEqual(letter.properties.headers[FailureHeaders.error]?.stringValue, "departure: must be in the future")
        let stored = try client().ask(GetFlight(flightId: flight.flightId)).flight
        XCTAssertEqual(stored.departure, flight.departure)
        XCTAssertEqual(stored.status, "scheduled")
        XCTAssertEqual(try tap.count(FlightDelayed.messageType.description), 0)
    }

    func testTheAircraftChangesOnlyWhileNoSeatIsTaken() throws {
        _ = try fleet.start(FlightsContext.definition())
        let flight = try schedule([makeFlight()])[0]
        try publish([UpdateFlight(flightId: flight.flightId, aircraftType: "A350-900", fares: ["premium-economy": 90_000])])
        let updated = try XCTUnwrap(tap.wait(for: FlightUpdated.self, count: 1, in: fleet).first)
        XCTAssertEqual(updated.flight.aircraftType, "A350-900")
        XCTAssertEqual(updated.flight.fares, ["business": 200_000, "premium-economy": 90_000, "economy": 40_000])
        XCTAssertEqual(try fleet.integer("SELECT sum(seats) FROM \(flights).flight_cabins WHERE flight_id = $1", flight.flightId), 298)

        try publish([HoldSeats(holdId: UUID(), bookingId: UUID(), flightId: flight.flightId, cabin: "economy", count: 1)])
        try tap.wait(for: SeatsHeld.self, count: 1, in: fleet)
        try publish([UpdateFlight(flightId: flight.flightId, aircraftType: "A320")])
        try fleet.eventually("the change is refused") { try fleet.queueState("airfleet.flights.dlq").messageCount == 1 }
        let letter = try XCTUnwrap(fleet.drain("airfleet.flights.dlq").first)
        XCTAssertEqual(letter.properties.headers[FailureHeaders.error]?.stringValue,
                       "aircraftType: seats of flight AF1 are held or sold; its aircraft cannot change")
    }
}
