import Contracts
import Fleet
import Foundation
import HTTPTypes
import Ingress
import XCTest

/// Bad requests get a clear 4xx problem naming what is wrong, never a 5xx, and nothing is
/// half-written.
final class BadInputTests: IngressTestCase {
    func testBadRequestsAreClearProblemsAndChangeNothing() async throws {
        let shared = try shared
        try await shared.withIngress({ $0.maximumBodyBytes = 4096 }) { client in
            let admin = try await shared.makeUser(.admin, on: client)
            let token = admin.token
            let flight = self.newFlight(number: "XX1")
            func with(_ key: String, _ value: Any?) -> [String: Any] {
                var body = flight
                body[key] = value
                return body
            }
            // (what, method, path, body, status, field)
            let cases: [(String, HTTPRequest.Method, String, String?, HTTPResponse.Status, String?)] = [
                ("malformed JSON", .post, "/v1/flights", #"{"number": "XX1", "#, .badRequest, "body"),
                ("not an object", .post, "/v1/flights", "[1, 2]", .badRequest, nil),
                ("empty body", .post, "/v1/flights", "", .badRequest, "body"),
                ("wrong type", .post, "/v1/flights", client.jsonText(with("fares", "cheap")), .badRequest, "fares"),
                ("missing field", .post, "/v1/flights", client.jsonText(with("origin", nil)), .badRequest, "origin"),
                ("bad date", .post, "/v1/flights", client.jsonText(with("departure", "next tuesday")), .badRequest, "departure"),
                ("past date", .post, "/v1/flights", client.jsonText(with("departure", self.timestamp(Date().addingTimeInterval(-86_400)))), .badRequest, "departure"),
                ("malformed airport", .post, "/v1/flights", client.jsonText(with("origin", "Paris")), .badRequest, "origin"),
                ("unknown airport", .post, "/v1/flights", client.jsonText(with("destination", "ZZZ")), .unprocessableContent, "destination"),
                ("unknown aircraft", .post, "/v1/flights", client.jsonText(with("aircraftType", "Concorde")), .unprocessableContent, "aircraftType"),
                ("negative fare", .post, "/v1/flights", client.jsonText(with("fares", ["economy": -5])), .badRequest, nil),
                ("oversized body", .post, "/v1/flights", client.jsonText(with("gate", String(repeating: "A", count: 8000))), .contentTooLarge, "body"),
                ("bad flight id", .get, "/v1/flights/not-a-uuid", nil, .badRequest, "flightId"),
                ("unknown flight", .get, "/v1/flights/\(UUID().uuidString)", nil, .notFound, nil),
                ("unknown route", .get, "/v1/planes", nil, .notFound, nil),
                ("unknown version", .get, "/v2/flights", nil, .notFound, nil),
                ("search without origin", .get, "/v1/flights?destination=JFK&date=2030-01-01", nil, .badRequest, "origin"),
                ("search with a bad date", .get, "/v1/flights?origin=CDG&destination=JFK&date=01/02/2030", nil, .badRequest, "date"),
                ("search with letters for a number", .get, "/v1/flights?origin=CDG&destination=JFK&date=2030-01-01&passengers=two", nil, .badRequest, "passengers"),
                ("too many passengers", .get, "/v1/flights?origin=CDG&destination=JFK&date=2030-01-01&passengers=40", nil, .badRequest, "passengers"),
            ]
            for (what, method, path, body, status, field) in cases {
                let response = try await client.send(method, path, token: token, body: body, headers: [.prefer: "wait=5"])
                XCTAssertEqual(response.status, status, "\(what): \(response.text)")
                XCTAssertEqual(response.headers[.contentType], "application/problem+json", what)
                XCTAssertFalse((response.object["detail"] as? String ?? "").isEmpty, "\(what): a problem says what is wrong")
                if let field { XCTAssertEqual(response.problemField, field, "\(what): \(response.text)") }
            }

            let formBody = try await client.send(.post, "/v1/flights", token: token, body: "number=XX1",
                                                 headers: [.contentType: "application/x-www-form-urlencoded"])
            XCTAssertEqual(formBody.status, .unsupportedMediaType, formBody.text)
            let badRequestId = try await client.get("/v1/airports", headers: [.xRequestID: "has spaces in it"])
            XCTAssertEqual(badRequestId.status, .badRequest)
            XCTAssertEqual(badRequestId.problemField, "X-Request-ID")
            let badPrefer = try await client.post("/v1/flights", token: token, json: flight, headers: [.prefer: "wait=soon"])
            XCTAssertEqual(badPrefer.status, .badRequest)
            XCTAssertEqual(badPrefer.problemField, "Prefer")

            // Nothing was half-written: no flight XX1 exists after all that.
            XCTAssertEqual(try shared.fleet.integer("SELECT count(*) FROM \(shared.fleet.schema("flights")).flights WHERE number = 'XX1'"), 0)
        }
    }

    func testRateLimitAnswers429WithRetryAfter() async throws {
        try await shared.withIngress({ $0.rateLimit = .init(perSecond: 1, burst: 3) }) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<5 { statuses.append(try await client.get("/v1/airports").status) }
            XCTAssertEqual(statuses, [.ok, .ok, .ok, .tooManyRequests, .tooManyRequests])
            let limited = try await client.get("/v1/airports")
            XCTAssertEqual(limited.headers[.retryAfter], "1")
            XCTAssertEqual(limited.headers[.contentType], "application/problem+json")
            // Health and metrics stay reachable for monitoring.
            let health = try await client.get("/healthz")
            XCTAssertEqual(health.status, .ok)
            try await Task.sleep(for: .milliseconds(1100))
            let later = try await client.get("/v1/airports")
            XCTAssertEqual(later.status, .ok)
        }
    }

    func testRequestIdIsEchoedOrMadeAndMetricsAreExposed() async throws {
        try await shared.withIngress { client in
            let given = try await client.get("/v1/airports", headers: [.xRequestID: "trace-42"])
            XCTAssertEqual(given.headers[.xRequestID], "trace-42")
            let made = try await client.get("/v1/airports")
            XCTAssertNotNil(made.headers[.xRequestID].flatMap(UUID.init(uuidString:)))
            let problem = try await client.get("/v1/nowhere", headers: [.xRequestID: "trace-43"])
            XCTAssertEqual(problem.object["instance"] as? String, "trace-43")

            let (health, ready) = (try await client.get("/healthz"), try await client.get("/readyz"))
            XCTAssertEqual(health.status, .ok)
            XCTAssertEqual(ready.status, .ok)
            let metrics = try await client.get("/metrics")
            XCTAssertEqual(metrics.status, .ok)
            XCTAssertTrue(metrics.text.contains("airfleet_ingress_query_duration_seconds"), metrics.text)
            XCTAssertTrue(metrics.text.contains("hb_requests"), metrics.text)
        }
    }
}
