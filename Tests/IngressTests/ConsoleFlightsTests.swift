import Contracts
import Fleet
import FleetTestSupport
import Foundation
import HTTPTypes
import Ingress
import XCTest

/// The day's flight board, a flight's page (delay, gate change, its bookings) and finding a
/// booking, over real HTTP.
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

    func testTheBoardListsAFlightOnItsDayOfDepartureOnly() async throws {
        let shared = try shared
        try await withConsole { client in
            let admin = try await shared.makeUser(.admin, on: client.http)
            // Other tests schedule flights on the shared fleet too: a day of their own keeps this board small.
            let offset = Int.random(in: 40...300)
            let number = "AF\(Int.random(in: 1000...9999))"
            let id = try await self.createFlight(self.newFlight(number: number, departure: self.day(offset, hour: 23, minute: 30)),
                                                 admin: admin, client: client.http).lowercasedString
            let agent = try await shared.makeUser(.agent, on: client.http)
            let signed = try await client.signedIn(agent)
            let date = String(self.timestamp(self.day(offset)).prefix(10))

            let board = try await client.get("/console/flights?date=\(date)", cookie: signed.cookie)
            XCTAssertEqual(board.status, .ok, board.text)
            XCTAssertTrue(board.text.contains(#"<a href="/console/flights/\#(id)">\#(number)</a>"#), "the flight links to its page: \(board.text)")
            XCTAssertTrue(board.text.contains(">scheduled<"), board.text)
            XCTAssertTrue(board.text.contains(#"name="date" value="\#(date)""#), "the picker shows the day")

            let nextDay = String(self.timestamp(self.day(offset + 1)).prefix(10))
            let other = try await client.get("/console/flights?date=\(nextDay)", cookie: signed.cookie)
            XCTAssertEqual(other.status, .ok, other.text)
            XCTAssertFalse(other.text.contains(id), "a flight is on the board of its own day only")

            let today = try await client.get("/console/flights", cookie: signed.cookie)
            XCTAssertTrue(today.text.contains(String(self.timestamp(Date()).prefix(10))), "without a date the board is today's")
            let wrong = try await client.get("/console/flights?date=2026-13-01", cookie: signed.cookie)
            XCTAssertEqual(wrong.status, .badRequest, wrong.text)
            let signedOut = try await client.get("/console/flights?date=\(date)")
            XCTAssertEqual(signedOut.status, .seeOther, "the board is for staff only")
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
