import Contracts
import Fleet
import FleetTestSupport
import Foundation
import HTTPTypes
import Ingress
import XCTest

/// The ingress reuses a search answer only while no flight or seat event could have changed it.
final class SearchAnswersTests: IngressTestCase {
    func testASearchAnswerIsReusedUntilASeatOrScheduleEventChangesIt() async throws {
        let shared = try shared
        // Far longer than the test: only the flight feed can make an answer go.
        try await shared.withIngress({ $0.searchFreshness = .seconds(600) }) { client in
            let admin = try await shared.makeUser(.admin, on: client)
            let customer = try await shared.makeUser(.customer, on: client)
            let departure = self.day(40, hour: 9)
            let flightId = try await self.createFlight(self.newFlight(number: "AF40", origin: "CDG", destination: "JFK", departure: departure),
                                                       admin: admin, client: client)
            let date = ISO8601DateFormatter.string(from: departure, timeZone: TimeZone(identifier: "Europe/Paris")!,
                                                   formatOptions: [.withFullDate])
            let search = "/v1/flights?origin=CDG&destination=JFK&date=\(date)"
            func offers(_ headers: HTTPFields = [:]) async throws -> [FlightOffer] {
                let response = try await client.get(search, headers: headers)
                XCTAssertEqual(response.status, .ok, response.text)
                return try response.json(SearchFlights.Response.self).flights
            }
            let first = try await offers()
            XCTAssertEqual(first.map(\.number), ["AF40"])
            let seatsBefore = try XCTUnwrap(first.first?.seatsLeft)

            // A change behind the flights context's back publishes no event: the kept answer
            // stands, and a client that asks for a fresh one gets it.
            let database = try shared.fleet.database()
            defer { database.close() }
            try database.execute("UPDATE \(shared.fleet.schema("flights")).flights SET number = 'AF41' WHERE flight_id = $1", flightId)
            let kept = try await offers()
            XCTAssertEqual(kept.map(\.number), ["AF40"], "the answer was asked for again")
            let fresh = try await offers([.cacheControl: "no-cache"])
            XCTAssertEqual(fresh.map(\.number), ["AF41"])

            // A booking holds and sells a seat: its seat events drop the answer.
            let booked = try await client.post("/v1/bookings", token: customer.token, json: [
                "flightId": flightId.lowercasedString, "cabin": "economy", "paymentToken": "tok_visa",
                "passengers": [["firstName": "Ann", "lastName": "Lee", "dateOfBirth": "1990-04-01"]],
            ], headers: [.prefer: "wait=20"])
            XCTAssertEqual(booked.status, .created, booked.text)
            try await shared.fleet.eventuallyAsync("the search shows one seat fewer", timeout: .seconds(5)) {
                try await offers().first?.seatsLeft == seatsBefore - 1
            }

            // A flight scheduled on the route: the schedule changed, every answer goes.
            _ = try await self.createFlight(self.newFlight(number: "AF42", origin: "CDG", destination: "JFK",
                                                           departure: departure.addingTimeInterval(3600)),
                                            admin: admin, client: client)
            try await shared.fleet.eventuallyAsync("the search lists the new flight", timeout: .seconds(5)) {
                try await offers().map(\.number).sorted() == ["AF41", "AF42"]
            }
        }
    }
}
