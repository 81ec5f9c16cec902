import Foundation
import HTTPTypes
import Ingress
import XCTest

/// A path the ingress serves, asked with a method it does not serve, is 405 with `Allow`
/// (RFC 9110 §15.5.6), so a client learns the method is wrong rather than the path.
final class MethodNotAllowedTests: IngressTestCase {
    func testKnownPathWithAnotherMethodIs405ListingTheServedMethods() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let admin = try await shared.makeUser(.admin, on: client)
            let flight = UUID().uuidString
            // (method, path, signed in, the Allow header expected)
            let cases: [(HTTPRequest.Method, String, Bool, String)] = [
                (.trace, "/healthz", false, "GET"),
                (.delete, "/v1/airports", false, "GET"),
                (.post, "/v1/me/passengers", true, "GET, PUT"),
                (.put, "/v1/flights/\(flight)", true, "GET, PATCH"),
                (.get, "/v1/flights/\(flight)/cancel", true, "POST"),
                (.patch, "/v1/bookings", true, "GET, POST"),
                (.options, "/v1/me", false, "GET, PATCH"),
                (HTTPRequest.Method("QUERY")!, "/v1/flights", false, "GET, POST"),
            ]
            for (method, path, signedIn, allow) in cases {
                let response = try await client.send(method, path, token: signedIn ? admin.token : nil)
                let what = "\(method) \(path)"
                XCTAssertEqual(response.status, .methodNotAllowed, "\(what): \(response.text)")
                XCTAssertEqual(response.headers[.allow], allow, what)
                XCTAssertEqual(response.headers[.contentType], "application/problem+json", what)
                XCTAssertEqual(response.object["type"] as? String, "https://airfleet.dev/problems/method-not-allowed", what)
                XCTAssertTrue((response.object["detail"] as? String ?? "").contains(allow), "\(what): \(response.text)")
            }

            // A path nobody serves stays 404, whatever the method.
            for method: HTTPRequest.Method in [.get, .trace, .delete] {
                let unknown = try await client.send(method, "/v1/planes")
                XCTAssertEqual(unknown.status, .notFound, "\(method) /v1/planes")
                XCTAssertNil(unknown.headers[.allow])
            }
            let tooDeep = try await client.send(.delete, "/v1/flights/\(flight)/cancel/now")
            XCTAssertEqual(tooDeep.status, .notFound)
        }
    }
}
