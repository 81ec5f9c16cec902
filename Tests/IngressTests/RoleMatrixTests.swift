import Contracts
import Foundation
import HTTPTypes
import Ingress
import XCTest

/// Every route tried as anonymous, customer, agent and admin, with the status each must get.
final class RoleMatrixTests: IngressTestCase {
    /// Who calls, and the status expected for each caller: anonymous, customer, agent, admin.
    struct Expectation {
        let method: HTTPRequest.Method
        let path: String
        let body: [String: Any]?
        let statuses: [HTTPResponse.Status]
    }

    func testEveryRouteAnswersEachRoleAsItShould() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let users = [
                try await shared.makeUser(.customer, on: client), try await shared.makeUser(.agent, on: client),
                try await shared.makeUser(.admin, on: client),
            ]
            let admin = users[2]
            let flight = try await self.createFlight(self.newFlight(), admin: admin, client: client)
            let id = flight.lowercasedString
            // The matrix cancels `flight`; bookings go to one that stays bookable.
            let bookable = try await self.createFlight(self.newFlight(), admin: admin, client: client)
            let delay: [String: Any] = ["departure": self.timestamp(self.day(11)), "arrival": self.timestamp(self.day(11, hour: 20))]
            let (ok, accepted, unauthorized, forbidden, notFound): (HTTPResponse.Status, HTTPResponse.Status, HTTPResponse.Status,
                                                                    HTTPResponse.Status, HTTPResponse.Status)
                = (.ok, .accepted, .unauthorized, .forbidden, .notFound)
            let booking: [String: Any] = ["flightId": bookable.lowercasedString, "cabin": "economy", "paymentToken": "tok_visa",
                                          "passengers": [["firstName": "Ann", "lastName": "Lee", "dateOfBirth": "1990-04-01"]]]
            let date = ISO8601DateFormatter.string(from: self.day(10), timeZone: .gmt, formatOptions: [.withFullDate])
            // The matrix reads, rotates and finally deletes this endpoint; no event it names is ever published.
            let webhook: [String: Any] = ["url": "https://hooks.example.invalid/airfleet", "events": ["test.never-published"]]
            let registered = try await client.post("/v1/webhooks", token: admin.token, json: webhook)
            XCTAssertEqual(registered.status, .created, registered.text)
            let hook = try XCTUnwrap(registered.object["webhookId"] as? String, registered.text).lowercased()

            let matrix: [Expectation] = [
                .init(method: .post, path: "/v1/auth/register", body: nil, statuses: [accepted, accepted, accepted, accepted]),
                .init(method: .post, path: "/v1/auth/login", body: nil, statuses: [ok, ok, ok, ok]),
                .init(method: .get, path: "/v1/me", body: nil, statuses: [unauthorized, ok, ok, ok]),
                .init(method: .patch, path: "/v1/me", body: ["name": "New Name"], statuses: [unauthorized, accepted, accepted, accepted]),
                .init(method: .get, path: "/v1/me/passengers", body: nil, statuses: [unauthorized, ok, ok, ok]),
                .init(method: .put, path: "/v1/me/passengers", body: ["passengers": []], statuses: [unauthorized, accepted, accepted, accepted]),
                .init(method: .get, path: "/v1/me/devices", body: nil, statuses: [unauthorized, ok, ok, ok]),
                .init(method: .post, path: "/v1/me/devices", body: ["token": "apns-token-1", "platform": "ios"],
                      statuses: [unauthorized, accepted, accepted, accepted]),
                .init(method: .delete, path: "/v1/me/devices/\(id)", body: nil, statuses: [unauthorized, accepted, accepted, accepted]),
                .init(method: .get, path: "/v1/me/subscriptions", body: nil, statuses: [unauthorized, ok, ok, ok]),
                .init(method: .post, path: "/v1/me/subscriptions", body: ["flightId": id], statuses: [unauthorized, accepted, accepted, accepted]),
                .init(method: .delete, path: "/v1/me/subscriptions/\(id)", body: nil, statuses: [unauthorized, accepted, accepted, accepted]),
                .init(method: .get, path: "/v1/airports", body: nil, statuses: [ok, ok, ok, ok]),
                .init(method: .get, path: "/v1/flights?origin=CDG&destination=JFK&date=\(date)", body: nil, statuses: [ok, ok, ok, ok]),
                .init(method: .post, path: "/v1/flights", body: self.newFlight(), statuses: [unauthorized, forbidden, forbidden, accepted]),
                .init(method: .get, path: "/v1/flights/\(id)", body: nil, statuses: [ok, ok, ok, ok]),
                .init(method: .patch, path: "/v1/flights/\(id)", body: ["number": "AF77"], statuses: [unauthorized, forbidden, forbidden, accepted]),
                .init(method: .post, path: "/v1/flights/\(id)/delay", body: delay, statuses: [unauthorized, forbidden, accepted, accepted]),
                .init(method: .post, path: "/v1/flights/\(id)/gate", body: ["gate": "B12"], statuses: [unauthorized, forbidden, accepted, accepted]),
                .init(method: .post, path: "/v1/flights/\(id)/cancel", body: ["reason": "tested"], statuses: [unauthorized, forbidden, accepted, accepted]),
                .init(method: .get, path: "/v1/flights/\(id)/seats", body: nil, statuses: [ok, ok, ok, ok]),
                .init(method: .post, path: "/v1/bookings", body: booking, statuses: [unauthorized, accepted, accepted, accepted]),
                .init(method: .get, path: "/v1/bookings", body: nil, statuses: [unauthorized, ok, ok, ok]),
                // A booking nobody has: 404 for everyone signed in (as for someone else's booking).
                .init(method: .get, path: "/v1/bookings/\(id)", body: nil, statuses: [unauthorized, notFound, notFound, notFound]),
                .init(method: .post, path: "/v1/bookings/\(id)/cancel", body: [:], statuses: [unauthorized, notFound, notFound, notFound]),
                .init(method: .get, path: "/v1/flights/\(id)/bookings", body: nil, statuses: [unauthorized, forbidden, ok, ok]),
                .init(method: .get, path: "/v1/webhooks", body: nil, statuses: [unauthorized, forbidden, forbidden, ok]),
                .init(method: .post, path: "/v1/webhooks", body: webhook, statuses: [unauthorized, forbidden, forbidden, .created]),
                .init(method: .get, path: "/v1/webhooks/\(hook)", body: nil, statuses: [unauthorized, forbidden, forbidden, ok]),
                .init(method: .post, path: "/v1/webhooks/\(hook)/rotate-secret", body: nil, statuses: [unauthorized, forbidden, forbidden, ok]),
                .init(method: .delete, path: "/v1/webhooks/\(hook)", body: nil, statuses: [unauthorized, forbidden, forbidden, accepted]),
                .init(method: .get, path: "/healthz", body: nil, statuses: [ok, ok, ok, ok]),
                .init(method: .get, path: "/readyz", body: nil, statuses: [ok, ok, ok, ok]),
                .init(method: .get, path: "/metrics", body: nil, statuses: [ok, ok, ok, ok]),
            ]

            // The matrix must name every route the router serves, and no other.
            // The live-updates stream never ends, so it is tried (by anyone) in FlightUpdatesTests.
            let routes = Set(await IngressServer.routeRules().map { "\($0.method) \($0.path)" })
                .subtracting(["GET /v1/flights/:flightId/updates"])
            let tried = Set(matrix.map { expectation in
                let path = expectation.path.split(separator: "?")[0]
                    .replacingOccurrences(of: "/v1/bookings/\(id)", with: "/v1/bookings/:booking")
                    .replacingOccurrences(of: "/v1/me/devices/\(id)", with: "/v1/me/devices/:deviceId")
                    .replacingOccurrences(of: hook, with: ":webhookId")
                    .replacingOccurrences(of: id, with: ":flightId")
                return "\(expectation.method) \(path)"
            })
            XCTAssertEqual(tried, routes, "the role matrix and the router disagree")

            for expectation in matrix {
                for (index, caller) in ([nil] + users.map(Optional.some)).enumerated() {
                    var body = expectation.body.map { client.jsonText($0) }
                    if expectation.path == "/v1/auth/register" {
                        body = client.jsonText(["email": "m-\(UUID().uuidString.prefix(8))@example.com", "password": "Correct-horse-42", "name": "M"])
                    } else if expectation.path == "/v1/auth/login" {
                        body = client.jsonText(["email": users[max(0, index - 1)].email, "password": users[max(0, index - 1)].password])
                    }
                    let response = try await client.send(expectation.method, expectation.path, token: caller?.token, body: body)
                    let who = ["anonymous", "customer", "agent", "admin"][index]
                    XCTAssertEqual(response.status, expectation.statuses[index],
                                   "\(expectation.method) \(expectation.path) as \(who): \(response.text)")
                }
            }
        }
    }
}
