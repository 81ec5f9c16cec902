import Contracts
import Fleet
import FleetTestSupport
import Foundation
import HTTPTypes
import Ingress
import XCTest

/// A flight's page (delay, gate change, its bookings) and finding a booking, over real HTTP.
final class ConsoleFlightsTests: ConsoleTestCase, @unchecked Sendable {
    func testAnAgentDelaysAFlightChangesItsGateAndFindsItsBooking() async throws {
        let shared = try shared
        try await withConsole { client in
            let pnr = try await self.confirmedBooking(on: client)
            let booking = try await self.staffLookup(pnr, client: client.http)
            let id = booking.flightId.lowercasedString

            let agent = try await shared.makeUser(.agent, on: client.http)
            let signed = try await client.signedIn(agent)
            let page = try await client.get("/console/flights/\(id)", cookie: signed.cookie)
            XCTAssertEqual(page.status, .ok, page.text)
            XCTAssertTrue(page.text.contains(pnr), "the flight's bookings are listed")
            XCTAssertTrue(page.text.contains(#"data-flight="\#(id)""#), "the page follows the flight's update stream")

            let delay = ["departure": Self.field(self.day(10, hour: 15)), "arrival": Self.field(self.day(10, hour: 23)),
                         "reason": "crew", "csrf": signed.csrf]
            let delayed = try await client.postForm("/console/flights/\(id)/delay", delay, cookie: signed.cookie)
            XCTAssertTrue(delayed.text.contains("Delayed."), delayed.text)
            let gate = try await client.postForm("/console/flights/\(id)/gate", ["gate": "B12", "csrf": signed.csrf], cookie: signed.cookie)
            XCTAssertTrue(gate.text.contains("Gate changed."), gate.text)
            let after = try await client.get("/console/flights/\(id)", cookie: signed.cookie)
            XCTAssertTrue(after.text.contains(#"data-field="status">delayed<"#), after.text)
            XCTAssertTrue(after.text.contains(#"data-field="gate">B12<"#), after.text)

            let unconfirmed = try await client.postForm("/console/flights/\(id)/cancel", ["reason": "storm", "csrf": signed.csrf],
                                                        cookie: signed.cookie)
            XCTAssertTrue(unconfirmed.text.contains("tick the box"), unconfirmed.text)
            let withoutToken = try await client.postForm("/console/flights/\(id)/delay", delay.filter { $0.key != "csrf" }, cookie: signed.cookie)
            XCTAssertEqual(withoutToken.status, .forbidden)

            let found = try await client.get("/console/bookings?q=\(pnr.lowercased())", cookie: signed.cookie)
            XCTAssertEqual(found.status, .ok, found.text)
            XCTAssertTrue(found.text.contains("Ann Console") && found.text.contains("confirmed"), found.text)
            let byId = try await client.get("/console/bookings?q=\(booking.bookingId.lowercasedString)", cookie: signed.cookie)
            XCTAssertTrue(byId.text.contains(pnr), byId.text)
            let none = try await client.get("/console/bookings?q=ZZZZZZ", cookie: signed.cookie)
            XCTAssertTrue(none.text.contains("No booking ZZZZZZ."), none.text)
        }
    }

    /// The booking as the API shows it to an admin.
    func staffLookup(_ pnr: String, client: HTTPClient) async throws -> BookingView {
        let admin = try await shared.makeUser(.admin, on: client)
        let response = try await client.get("/v1/bookings/\(pnr)", token: admin.token)
        XCTAssertEqual(response.status, .ok, response.text)
        return try response.json(BookingView.self)
    }

    /// A time as a `datetime-local` field holds it.
    static func field(_ date: Date) -> String { String(FleetJSON.formatTimestamp(date).prefix(16)) }
}
