import Contracts
import Fleet
import FleetTestSupport
import Foundation
import HTTPTypes
import Ingress
import XCTest

/// A customer books and pays over HTTP; owners and staff read and cancel bookings.
final class BookingsOverHTTPTests: IngressTestCase {
    func testBookingThroughHTTPIsConfirmedWithPNRAndTicketsAndTakesItsSeats() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let admin = try await shared.makeUser(.admin, on: client)
            let customer = try await shared.makeUser(.customer, on: client)
            let stranger = try await shared.makeUser(.customer, on: client)
            let agent = try await shared.makeUser(.agent, on: client)
            let flightId = try await self.createFlight(self.newFlight(), admin: admin, client: client)
            let body: [String: Any] = [
                "flightId": flightId.lowercasedString, "cabin": "economy", "paymentToken": "tok_visa",
                "passengers": [["firstName": "Ann", "lastName": "Lee", "dateOfBirth": "1990-04-01", "seat": "12A"],
                               ["firstName": "Bo", "lastName": "Lee", "dateOfBirth": "2015-09-30", "seat": "12B"]],
            ]
            let created = try await client.post("/v1/bookings", token: customer.token, json: body,
                                                headers: [.prefer: "wait=20", .idempotencyKey: "order-1"])
            XCTAssertEqual(created.status, .created, created.text)
            let booking = try created.json(BookingView.self)
            XCTAssertEqual(booking.state, .confirmed)
            XCTAssertEqual(booking.pnr?.count, 6)
            XCTAssertEqual(booking.passengers.compactMap(\.ticketNumber).count, 2)
            XCTAssertTrue(booking.passengers.allSatisfy { $0.ticketNumber?.count == 13 })
            XCTAssertEqual(created.headers[.location], "/v1/bookings/\(booking.bookingId.lowercasedString)")

            let seats = try await client.get("/v1/flights/\(flightId.uuidString)/seats").json(GetSeatMap.Response.self)
            XCTAssertEqual(Set(seats.seats.filter { $0.state == .sold }.map(\.seat)), ["12A", "12B"])

            // The same key and body: the same booking, not a second one. Another body: 422.
            let again = try await client.post("/v1/bookings", token: customer.token, json: body,
                                              headers: [.prefer: "wait=20", .idempotencyKey: "order-1"])
            XCTAssertEqual(again.status, .ok, again.text)
            XCTAssertEqual(try again.json(BookingView.self).bookingId, booking.bookingId)
            var other = body
            other["cabin"] = "business"
            let conflict = try await client.post("/v1/bookings", token: customer.token, json: other,
                                                 headers: [.prefer: "wait=20", .idempotencyKey: "order-1"])
            XCTAssertEqual(conflict.status, .unprocessableContent, conflict.text)
            XCTAssertEqual(conflict.problemField, "Idempotency-Key")

            // Read by id and by PNR; by the owner and staff, never by another customer.
            let pnr = try XCTUnwrap(booking.pnr)
            for (token, expected) in [(customer.token, HTTPResponse.Status.ok), (agent.token, .ok), (stranger.token, .notFound)] {
                let byId = try await client.get("/v1/bookings/\(booking.bookingId.uuidString)", token: token)
                let byPNR = try await client.get("/v1/bookings/\(pnr.lowercased())", token: token)
                XCTAssertEqual(byId.status, expected, byId.text)
                XCTAssertEqual(byPNR.status, expected, byPNR.text)
            }
            let mine = try await client.get("/v1/bookings", token: customer.token).json(ListBookings.Response.self)
            XCTAssertEqual(mine.bookings.map(\.bookingId), [booking.bookingId])
            let theirs = try await client.get("/v1/bookings", token: stranger.token).json(ListBookings.Response.self)
            XCTAssertEqual(theirs.total, 0)
            let onFlight = try await client.get("/v1/flights/\(flightId.uuidString)/bookings", token: agent.token)
            XCTAssertEqual(try onFlight.json(ListBookings.Response.self).bookings.map(\.bookingId), [booking.bookingId])

            // Cancelled by its owner ten days before departure: refunded in full, seats free again.
            let strangerCancel = try await client.post("/v1/bookings/\(pnr)/cancel", token: stranger.token, json: [:])
            XCTAssertEqual(strangerCancel.status, .notFound)
            let cancelled = try await client.post("/v1/bookings/\(pnr)/cancel", token: customer.token, json: ["reason": "plans changed"],
                                                  headers: [.prefer: "wait=20"])
            XCTAssertEqual(cancelled.status, .ok, cancelled.text)
            XCTAssertEqual(try cancelled.json(BookingView.self).state, .cancelled)
            let twice = try await client.post("/v1/bookings/\(pnr)/cancel", token: customer.token, json: [:], headers: [.prefer: "wait=20"])
            XCTAssertEqual(twice.status, .conflict, twice.text)
            try await shared.fleet.eventuallyAsync("the seats are free again") {
                let map = try await client.get("/v1/flights/\(flightId.uuidString)/seats").json(GetSeatMap.Response.self)
                return map.seats.allSatisfy { $0.state == .available }
            }
        }
    }

    func testDeclinedCardFailsTheBookingAndBadBookingsAreProblems() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let (customer, flightId) = try await self.customerAndFlight(on: client)
            let passenger: [String: Any] = ["firstName": "Ann", "lastName": "Lee", "dateOfBirth": "1990-04-01"]
            let declined = try await client.post("/v1/bookings", token: customer.token, json: [
                "flightId": flightId.uuidString, "cabin": "economy", "paymentToken": "tok_declined", "passengers": [passenger],
            ], headers: [.prefer: "wait=20"])
            XCTAssertEqual(declined.status, .ok, declined.text)
            let view = try declined.json(BookingView.self)
            XCTAssertEqual(view.state, .failed)
            XCTAssertEqual(view.reason, "payment-declined")

            let cases: [(String, [String: Any], String)] = [
                ("no passengers", ["flightId": flightId.uuidString, "cabin": "economy", "paymentToken": "tok_visa", "passengers": []], "passengers"),
                ("ten passengers", ["flightId": flightId.uuidString, "cabin": "economy", "paymentToken": "tok_visa",
                                    "passengers": Array(repeating: passenger, count: 10)], "passengers"),
                ("unknown cabin", ["flightId": flightId.uuidString, "cabin": "cargo", "paymentToken": "tok_visa", "passengers": [passenger]], "cabin"),
                ("card number as token", ["flightId": flightId.uuidString, "cabin": "economy", "paymentToken": "4242424242424242",
                                          "passengers": [passenger]], "paymentToken"),
                ("bad flight id", ["flightId": "nope", "cabin": "economy", "paymentToken": "tok_visa", "passengers": [passenger]], "flightId"),
            ]
            // A page so far out that (page - 1) × pageSize would overflow once crashed the bookings process.
            let farPage = try await client.get("/v1/bookings?page=\(Int.max)", token: customer.token)
            XCTAssertEqual(farPage.status, .badRequest, farPage.text)
            XCTAssertEqual(farPage.problemField, "page")
            let noState = try await client.get("/v1/bookings?state=", token: customer.token)
            XCTAssertEqual(noState.problemField, "state")
            let stillAnswering = try await client.get("/v1/bookings", token: customer.token)
            XCTAssertEqual(stillAnswering.status, .ok)

            for (what, body, field) in cases {
                let response = try await client.post("/v1/bookings", token: customer.token, json: body)
                XCTAssertEqual(response.status, .badRequest, "\(what): \(response.text)")
                XCTAssertEqual(response.problemField?.hasPrefix(field), true, "\(what): \(response.text)")
            }
        }
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}

extension TestFleet {
    /// Like `eventually`, for a condition that needs to await.
    func eventuallyAsync(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("\(what): not within \(timeout)")
    }
}
