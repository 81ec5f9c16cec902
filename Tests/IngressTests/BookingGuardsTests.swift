import Contracts
import Fleet
import FleetTestSupport
import Foundation
import HTTPTypes
import Ingress
import Postgres
import XCTest

/// Requests that could only fail later are refused at once, naming the field: a reused
/// Idempotency-Key, a flight that has left, a seat of another cabin or of no cabin, a delay into
/// the past. Nothing is published for them.
final class BookingGuardsTests: IngressTestCase {
    private func booking(_ flightId: UUID, cabin: String = "economy", seats: [String?] = [nil],
                         token: String = "tok_visa") -> [String: Any] {
        let passengers: [[String: Any]] = seats.enumerated().map { index, seat in
            var passenger: [String: Any] = ["firstName": "Ann", "lastName": "Lee\(index)", "dateOfBirth": "1990-04-01"]
            if let seat { passenger["seat"] = seat }
            return passenger
        }
        return ["flightId": flightId.lowercasedString, "cabin": cabin, "paymentToken": token, "passengers": passengers]
    }

    /// A client that waits hears of a reused key from the command's own answer, so its booking is
    /// not preceded by a question to the bookings context; one that does not wait is asked about
    /// at once.
    func testOnlyABookingWhoseClientDoesNotWaitAsksAboutItsKeyFirst() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let (customer, flightId) = try await self.customerAndFlight(on: client)
            let checks = try EventTap(shared.fleet, bindingKey: CheckBookingRequest.messageType.description, exchange: Topology.queriesExchange)
            defer { checks.close() }

            let waited = try await client.post("/v1/bookings", token: customer.token, json: self.booking(flightId, seats: ["16A"]),
                                               headers: [.prefer: "wait=20", .idempotencyKey: "trip-waits"])
            XCTAssertEqual(waited.status, .created, waited.text)
            XCTAssertEqual(try checks.types(), [], "a waiting client's key is checked by the command itself")

            let notWaited = try await client.post("/v1/bookings", token: customer.token, json: self.booking(flightId, seats: ["16B"]),
                                                  headers: [.idempotencyKey: "trip-does-not-wait"])
            XCTAssertEqual(notWaited.status, .accepted, notWaited.text)
            XCTAssertEqual(try checks.collect(count: 1, timeout: .seconds(10)).map(\.type), [CheckBookingRequest.messageType.description])
        }
    }

    /// An Idempotency-Key reused with another body is 422 whether or not the client waits, and
    /// 409 while its first request is still on its way; the same body again is the same booking.
    func testAReusedIdempotencyKeyWithAnotherBodyIsRefusedAtOnce() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let (customer, flightId) = try await self.customerAndFlight(on: client)
            let first = self.booking(flightId, seats: ["14A"])
            let created = try await client.post("/v1/bookings", token: customer.token, json: first,
                                                headers: [.prefer: "wait=20", .idempotencyKey: "trip-1"])
            XCTAssertEqual(created.status, .created, created.text)

            let other = self.booking(flightId, seats: ["14B"])
            for headers: HTTPFields in [[.idempotencyKey: "trip-1"], [.idempotencyKey: "trip-1", .prefer: "wait=5"]] {
                let reused = try await client.post("/v1/bookings", token: customer.token, json: other, headers: headers)
                XCTAssertEqual(reused.status, .unprocessableContent, reused.text)
                XCTAssertEqual(reused.problemField, "Idempotency-Key")
                XCTAssertEqual(reused.headers[.contentType], "application/problem+json")
                XCTAssertNil(reused.headers[.location], "a refused request names no booking")
            }
            let again = try await client.post("/v1/bookings", token: customer.token, json: first, headers: [.idempotencyKey: "trip-1"])
            XCTAssertEqual(again.status, .accepted, again.text)

            // A second key whose first request has not been handled yet: the bookings context's
            // inserts wait behind a table lock, while its reads (the check) still answer.
            let lock = try PostgresConnection(try PostgresConfiguration(url: shared.fleet.environment["AIRFLEET_DATABASE_URL"]!),
                                              logger: shared.fleet.logger)
            defer { lock.close() }
            try lock.execute("BEGIN")
            try lock.execute("LOCK TABLE \(shared.fleet.schema("bookings")).bookings IN EXCLUSIVE MODE")
            let firstOfKey = try await client.post("/v1/bookings", token: customer.token, json: self.booking(flightId, seats: ["15A"]),
                                                   headers: [.idempotencyKey: "trip-2"])
            XCTAssertEqual(firstOfKey.status, .accepted, firstOfKey.text)
            let inFlight = try await client.post("/v1/bookings", token: customer.token, json: self.booking(flightId, seats: ["15B"]),
                                                 headers: [.idempotencyKey: "trip-2", .prefer: "wait=5"])
            XCTAssertEqual(inFlight.status, .conflict, inFlight.text)
            XCTAssertEqual(inFlight.headers[.retryAfter], "1")
            XCTAssertEqual(inFlight.problemField, "Idempotency-Key")
            let sameAgain = try await client.post("/v1/bookings", token: customer.token, json: self.booking(flightId, seats: ["15A"]),
                                                  headers: [.idempotencyKey: "trip-2"])
            XCTAssertEqual(sameAgain.status, .accepted, "the same body while in flight is a retry: \(sameAgain.text)")
            try lock.execute("COMMIT")
            try await shared.fleet.eventuallyAsync("the first request of the key is handled, and the other body is a reuse") {
                let later = try await client.post("/v1/bookings", token: customer.token,
                                                  json: self.booking(flightId, seats: ["15B"]), headers: [.idempotencyKey: "trip-2"])
                return later.status == .unprocessableContent
            }
            let bookings = try await client.get("/v1/bookings", token: customer.token).json(ListBookings.Response.self)
            XCTAssertEqual(bookings.total, 2, "one booking per key")
        }
    }

    /// Search does not offer a flight that has left, and booking one is refused before anything
    /// is published; so is booking a cancelled or unknown flight.
    func testDepartedCancelledAndUnknownFlightsCannotBeBooked() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let admin = try await shared.makeUser(.admin, on: client)
            let customer = try await shared.makeUser(.customer, on: client)
            let now = Date()
            let gone = try await self.createFlight(self.newFlight(number: "AF801", departure: now.addingTimeInterval(3 * 3600)),
                                                   admin: admin, client: client)
            let later = try await self.createFlight(self.newFlight(number: "AF802", departure: now.addingTimeInterval(3 * 3600)),
                                                    admin: admin, client: client)
            let left = now.addingTimeInterval(-600)
            try shared.fleet.database().execute(
                "UPDATE \(shared.fleet.schema("flights")).flights SET departure = $2, arrival = $3 WHERE flight_id = $1",
                gone, left, left.addingTimeInterval(8 * 3600))
            let cancelled = try await self.createFlight(self.newFlight(number: "AF803"), admin: admin, client: client)
            let cancel = try await client.post("/v1/flights/\(cancelled.uuidString)/cancel", token: admin.token,
                                               json: ["reason": "strike"], headers: [.prefer: "wait=10"])
            XCTAssertEqual(cancel.status, .ok, cancel.text)

            for (flight, date) in [(gone, left), (later, now.addingTimeInterval(3 * 3600))] {
                let local = Self.localDate(date, in: "Europe/Paris")
                let search = try await client.get("/v1/flights?origin=CDG&destination=JFK&date=\(local)",
                                                  headers: [.cacheControl: "no-cache"])
                let found = try search.json(SearchFlights.Response.self).flights.map(\.flightId)
                XCTAssertEqual(found.contains(flight), flight == later, "\(local): \(search.text)")
            }

            for (flight, what) in [(gone, "departed"), (cancelled, "cancelled"), (UUID(), "no flight")] {
                let refused = try await client.post("/v1/bookings", token: customer.token, json: self.booking(flight),
                                                    headers: [.prefer: "wait=5"])
                XCTAssertEqual(refused.status, .unprocessableContent, "\(what): \(refused.text)")
                XCTAssertEqual(refused.problemField, "flightId", what)
                XCTAssertTrue((refused.object["detail"] as? String ?? "").contains(what), "\(what): \(refused.text)")
            }
            try await Task.sleep(for: .seconds(1))
            let bookings = try await client.get("/v1/bookings", token: customer.token).json(ListBookings.Response.self)
            XCTAssertEqual(bookings.total, 0, "nothing was published")
        }
    }

    /// A seat of another cabin, or one the aircraft does not have, is a 400 naming the passenger's
    /// seat; published straight to the queue, the booking fails with a reason that says the same.
    func testASeatOfAnotherCabinOrNoSeatAtAllNamesTheSeat() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let (customer, flightId) = try await self.customerAndFlight(on: client)
            let cases: [(String, [String?], String, String)] = [
                ("a business seat", ["14A", "3D"], "passengers[1].seat", "3D is a business seat"),
                ("no such seat", ["99Z"], "passengers[0].seat", "99Z is not a seat of the A320"),
            ]
            for (what, seats, field, detail) in cases {
                let refused = try await client.post("/v1/bookings", token: customer.token, json: self.booking(flightId, seats: seats),
                                                    headers: [.prefer: "wait=5"])
                XCTAssertEqual(refused.status, .badRequest, "\(what): \(refused.text)")
                XCTAssertEqual(refused.problemField, field, what)
                XCTAssertTrue((refused.object["detail"] as? String ?? "").contains(detail), "\(what): \(refused.text)")
            }
            let noCabin = try await client.post("/v1/bookings", token: customer.token,
                                                json: self.booking(flightId, cabin: "premium-economy"), headers: [.prefer: "wait=5"])
            XCTAssertEqual(noCabin.status, .badRequest, noCabin.text)
            XCTAssertEqual(noCabin.problemField, "cabin")

            // The same bookings published straight onto the queue fail with reasons naming the seat.
            let tap = try EventTap(shared.fleet, bindingKey: "booking.failed.#")
            defer { tap.close() }
            let publisher = try shared.fleet.publisher()
            defer { publisher.close() }
            var expected: [UUID: (BookingFailureReason, String)] = [:]
            for (seats, reason, detail) in [(["14A", "3D"], BookingFailureReason.seatNotInCabin, "3D"), (["99Z"], .seatUnknown, "99Z")] {
                let command = CreateBooking(
                    bookingId: UUID(), customerId: customer.customerId, flightId: flightId, cabin: .economy,
                    passengers: seats.enumerated().map { PassengerDetails(firstName: "Ann", lastName: "Lee\($0)", dateOfBirth: "1990-04-01", seat: $1) },
                    contactEmail: customer.email, paymentToken: "tok_visa")
                expected[command.bookingId] = (reason, detail)
                _ = try publisher.publish([try OutgoingMessage.make(command, source: "airfleet/tests")])
            }
            let failed = try tap.collect(count: 2, timeout: .seconds(20)).map { try $0.data(as: BookingFailed.self) }
            for event in failed {
                XCTAssertEqual(event.reason, expected[event.bookingId]?.0)
                XCTAssertEqual(event.detail, expected[event.bookingId]?.1)
            }
        }
    }

    /// A delay into the past is refused like a schedule into the past, naming `departure`.
    func testADelayIntoThePastIsABadRequest() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let admin = try await shared.makeUser(.admin, on: client)
            let flightId = try await self.createFlight(self.newFlight(), admin: admin, client: client)
            let past = Date().addingTimeInterval(-2 * 3600)
            let delayed = try await client.post("/v1/flights/\(flightId.uuidString)/delay", token: admin.token,
                                                json: ["departure": self.timestamp(past), "arrival": self.timestamp(past.addingTimeInterval(8 * 3600))],
                                                headers: [.prefer: "wait=5"])
            XCTAssertEqual(delayed.status, .badRequest, delayed.text)
            XCTAssertEqual(delayed.problemField, "departure")
            let flight = try await client.get("/v1/flights/\(flightId.uuidString)").json(GetFlight.Response.self).flight
            XCTAssertEqual(flight.status, "scheduled")
        }
    }

    static func localDate(_ date: Date, in zone: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}
