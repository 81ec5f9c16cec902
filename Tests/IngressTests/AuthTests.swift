import Contracts
import Fleet
import Foundation
import HTTPTypes
import Ingress
import XCTest

/// Sign-up, login and what a token is good for, over HTTP.
final class AuthTests: IngressTestCase {
    func testRegisterLoginAndUseTheToken() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let email = "ann-\(UUID().uuidString.prefix(6))@example.com"
            let registered = try await client.post("/v1/auth/register", json: ["email": email, "password": "Correct-horse-42", "name": "Ann Lee"],
                                                   headers: [.prefer: "wait=10"])
            XCTAssertEqual(registered.status, .created, registered.text)
            XCTAssertEqual(registered.object["email"] as? String, email.lowercased())
            XCTAssertEqual(registered.object["roles"] as? [String], ["customer"])

            let login = try await client.post("/v1/auth/login", json: ["email": email, "password": "Correct-horse-42"])
            XCTAssertEqual(login.status, .ok, login.text)
            let issued = try login.json(AccessTokens.Issued.self)
            XCTAssertEqual(issued.tokenType, "Bearer")
            XCTAssertEqual(issued.roles, [.customer])
            XCTAssertEqual(issued.expiresIn, 3600)

            let me = try await client.get("/v1/me", token: issued.accessToken)
            XCTAssertEqual(me.status, .ok, me.text)
            XCTAssertEqual(me.object["name"] as? String, "Ann Lee")
            XCTAssertNil(me.object["passwordHash"], "the profile never shows the hash")
        }
    }

    func testRegistrationWithoutWaitingAnswers202WithAStatusURL() async throws {
        try await shared.withIngress { client in
            let response = try await client.post("/v1/auth/register", json: [
                "email": "later-\(UUID().uuidString.prefix(6))@example.com", "password": "Correct-horse-42", "name": "Lee"])
            XCTAssertEqual(response.status, .accepted, response.text)
            XCTAssertEqual(response.headers[.location], "/v1/me")
            XCTAssertNotNil(response.object["commandId"] as? String)
            XCTAssertEqual(response.object["statusUrl"] as? String, "/v1/me")
        }
    }

    func testDuplicateEmailIsAConflict() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let user = try await shared.makeUser(.customer, on: client)
            let again = try await client.post("/v1/auth/register", json: ["email": user.email.uppercased(), "password": "Other-horse-42", "name": "X"],
                                              headers: [.prefer: "wait=10"])
            XCTAssertEqual(again.status, .conflict, again.text)
            XCTAssertEqual(again.headers[.contentType], "application/problem+json")
            XCTAssertEqual(again.problemField, "email")
        }
    }

    func testWeakPasswordIsRefusedWithTheRuleItBroke() async throws {
        try await shared.withIngress { client in
            let response = try await client.post("/v1/auth/register", json: ["email": "weak@example.com", "password": "short", "name": "W"])
            XCTAssertEqual(response.status, .badRequest, response.text)
            XCTAssertEqual(response.problemField, "password")
            XCTAssertTrue((response.object["detail"] as? String ?? "").contains("rule"), response.text)
        }
    }

    func testWrongPasswordAndUnknownEmailGetTheSameAnswer() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let user = try await shared.makeUser(.customer, on: client)
            let wrong = try await client.post("/v1/auth/login", json: ["email": user.email, "password": "Not-the-password-1"])
            let unknown = try await client.post("/v1/auth/login", json: ["email": "nobody-\(UUID())@example.com", "password": "Not-the-password-1"])
            XCTAssertEqual(wrong.status, .unauthorized)
            XCTAssertEqual(unknown.status, .unauthorized)
            var (a, b) = (wrong.object, unknown.object)
            a["instance"] = nil
            b["instance"] = nil
            XCTAssertEqual(NSDictionary(dictionary: a), NSDictionary(dictionary: b))

            // An email no account can have, even one PostgreSQL text cannot hold, is just unknown.
            let withNul = try await client.post("/v1/auth/login", json: ["email": "nobody\u{0}@example.com", "password": "Not-the-password-1"])
            XCTAssertEqual(withNul.status, .unauthorized, withNul.text)
            XCTAssertEqual(withNul.object["type"] as? String, "https://airfleet.dev/problems/invalid-credentials")
        }
    }

    func testExpiredTamperedForeignAndUnsignedTokensAreRefused() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let user = try await shared.makeUser(.customer, on: client)
            let identity = CustomerIdentity(customerId: user.customerId, email: user.email, name: "x", roles: [.admin])

            let expired = try await AccessTokens(secret: shared.secret, lifetime: .seconds(60))
                .issue(for: identity, now: Date().addingTimeInterval(-3600)).accessToken
            let foreign = try await AccessTokens(secret: String(repeating: "k", count: 40), lifetime: .seconds(600))
                .issue(for: identity).accessToken

            // The same token with its payload changed to claim the admin role.
            let parts = user.token.split(separator: ".").map(String.init)
            var payload = try JSONSerialization.jsonObject(with: Self.base64URLDecode(parts[1])) as! [String: Any]
            payload["roles"] = ["admin"]
            let tampered = [parts[0], Self.base64URL(try JSONSerialization.data(withJSONObject: payload)), parts[2]].joined(separator: ".")

            // alg none: no signature at all.
            let noneHeader = Self.base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))
            let unsigned = [noneHeader, Self.base64URL(try JSONSerialization.data(withJSONObject: payload)), ""].joined(separator: ".")

            for (name, token) in [("expired", expired), ("tampered", tampered), ("foreign", foreign), ("alg none", unsigned),
                                  ("garbage", "not-a-token")] {
                let response = try await client.get("/v1/me", token: token)
                XCTAssertEqual(response.status, .unauthorized, "\(name): \(response.text)")
                XCTAssertEqual(response.headers[.wwwAuthenticate], #"Bearer realm="airfleet""#, name)
                XCTAssertEqual(response.headers[.contentType], "application/problem+json", name)
            }
            let noToken = try await client.get("/v1/me")
            XCTAssertEqual(noToken.status, .unauthorized)
            let basic = try await client.get("/v1/me", headers: [.authorization: "Basic YTpi"])
            XCTAssertEqual(basic.status, .unauthorized)
        }
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64URLDecode(_ text: String) -> Data {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)!
    }
}
