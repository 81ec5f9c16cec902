import AMQP
import Contracts
import Fleet
import FleetTestSupport
import Foundation
import HTTPTypes
import Ingress
import XCTest

/// Admins create flights, customers search and read them, staff change their status: over HTTP.
final class FlightsOverHTTPTests: IngressTestCase {
    func testSearchFiltersSortsAndPagesByLocalDate() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let admin = try await shared.makeUser(.admin, on: client)
            let customer = try await shared.makeUser(.customer, on: client)
            // New York is UTC-5 in winter and UTC-4 in summer: 02:30 UTC is the evening before there.
            let lateEvening = try await self.createFlight(self.newFlight(number: "BA2", origin: "JFK", destination: "LHR",
                                                                         departure: self.day(20, hour: 2, minute: 30),
                                                                         fares: ["business": 300_000, "economy": 90_000]),
                                                          admin: admin, client: client)
            var cheapIds: [UUID] = []
            for (hour, fare) in [(13, 50_000), (15, 30_000), (17, 70_000)] {
                cheapIds.append(try await self.createFlight(self.newFlight(number: "BA\(hour)", origin: "JFK", destination: "LHR",
                                                                           departure: self.day(19, hour: hour),
                                                                           fares: ["business": 300_000, "economy": fare]),
                                                            admin: admin, client: client))
            }
            let localDate = ISO8601DateFormatter.string(from: self.day(19), timeZone: .gmt, formatOptions: [.withFullDate])

            let byPrice = try await client.get("/v1/flights?origin=JFK&destination=LHR&date=\(localDate)&sort=price&passengers=2", token: customer.token)
            XCTAssertEqual(byPrice.status, .ok, byPrice.text)
            let result = try byPrice.json(SearchFlights.Response.self)
            XCTAssertEqual(result.total, 4, "the 02:30 UTC departure is on the evening of \(localDate) in New York")
            XCTAssertEqual(result.flights.map(\.pricePerPassenger), [30_000, 50_000, 70_000, 90_000])
            XCTAssertEqual(result.flights.map(\.totalPrice), [60_000, 100_000, 140_000, 180_000])
            XCTAssertTrue(result.flights.contains { $0.flightId == lateEvening && $0.localDeparture.hasPrefix(localDate) })

            let byTime = try await client.get("/v1/flights?origin=JFK&destination=LHR&date=\(localDate)&sort=departure&pageSize=2&page=2")
            let page = try byTime.json(SearchFlights.Response.self)
            XCTAssertEqual(page.flights.map(\.number), ["BA17", "BA2"])
            XCTAssertEqual(page.total, 4)

            let business = try await client.get("/v1/flights?origin=JFK&destination=LHR&date=\(localDate)&cabin=business")
            XCTAssertTrue(try business.json(SearchFlights.Response.self).flights.allSatisfy { $0.cabin == .business && $0.pricePerPassenger == 300_000 })

            let nextDay = ISO8601DateFormatter.string(from: self.day(20), timeZone: .gmt, formatOptions: [.withFullDate])
            let next = try await client.get("/v1/flights?origin=JFK&destination=LHR&date=\(nextDay)")
            XCTAssertEqual(try next.json(SearchFlights.Response.self).total, 0)

            let flight = try await client.get("/v1/flights/\(cheapIds[0].uuidString)")
            XCTAssertEqual(flight.status, .ok, flight.text)
            XCTAssertEqual(try flight.json(GetFlight.Response.self).flight.number, "BA13")

            let seats = try await client.get("/v1/flights/\(cheapIds[0].lowercasedString)/seats")
            XCTAssertEqual(seats.status, .ok, seats.text)
            let map = try seats.json(GetSeatMap.Response.self)
            XCTAssertEqual(map.aircraftType, "A320")
            XCTAssertFalse(map.seats.isEmpty)
            XCTAssertTrue(map.seats.allSatisfy { $0.state == .available })
        }
    }

    func testStatusChangesPublishTheirEventsWithTheRightData() async throws {
        let shared = try shared
        let tap = try EventTap(shared.fleet, bindingKey: "flight.#")
        defer { tap.close() }
        try await shared.withIngress { client in
            let admin = try await shared.makeUser(.admin, on: client)
            let agent = try await shared.makeUser(.agent, on: client)
            let flightId = try await self.createFlight(self.newFlight(number: "LH400", origin: "FRA", destination: "JFK"), admin: admin, client: client)
            let id = flightId.lowercasedString
            let departure = self.day(10, hour: 15)
            let arrival = self.day(10, hour: 23)

            let delayed = try await client.post("/v1/flights/\(id)/delay", token: agent.token,
                                                json: ["departure": self.timestamp(departure), "arrival": self.timestamp(arrival), "reason": "crew"],
                                                headers: [.prefer: "wait=10", .xRequestID: "delay-\(id)"])
            XCTAssertEqual(delayed.status, .ok, delayed.text)
            let gate = try await client.post("/v1/flights/\(id)/gate", token: agent.token, json: ["gate": "Z9"], headers: [.prefer: "wait=10"])
            XCTAssertEqual(gate.status, .ok, gate.text)
            let cancelled = try await client.post("/v1/flights/\(id)/cancel", token: admin.token, json: ["reason": "weather"],
                                                  headers: [.prefer: "wait=10"])
            XCTAssertEqual(cancelled.status, .ok, cancelled.text)

            let events = try tap.collect(count: 4, timeout: .seconds(10))
            XCTAssertEqual(events.map(\.type), ["flight.scheduled.v1", "flight.delayed.v1", "flight.gate-changed.v1", "flight.cancelled.v1"])
            let delay = try events[1].data(as: FlightDelayed.self)
            XCTAssertEqual(delay.flightId, flightId)
            XCTAssertEqual(delay.departure, departure)
            XCTAssertEqual(delay.arrival, arrival)
            XCTAssertEqual(events[1].correlationId, "delay-\(id)", "X-Request-ID travels as the correlation id")
            XCTAssertEqual(try events[2].data(as: FlightGateChanged.self).gate, "Z9")
            XCTAssertEqual(try events[3].data(as: FlightCancelled.self).reason, "weather")

            let read = try await client.get("/v1/flights/\(id)")
            let snapshot = try read.json(GetFlight.Response.self).flight
            XCTAssertEqual(snapshot.status, "cancelled")
        }
    }
}

