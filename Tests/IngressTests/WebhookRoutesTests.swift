import Contracts
import Fleet
import Foundation
import HTTPTypes
import XCTest

/// Webhook endpoints through `/v1/webhooks`, against the real webhooks context: registered with
/// a secret shown once, listed without it, rotated, deleted; bad values refused naming their
/// field, local addresses refused unless allowed, and none of it open to anyone but admins.
final class WebhookRoutesTests: IngressTestCase {
    /// Endpoints under `.invalid`, which never resolves, so no delivery ever leaves the machine.
    static let endpointURL = "https://hooks.example.invalid/airfleet"

    func testAnEndpointIsRegisteredListedRotatedAndDeleted() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let admin = try await shared.makeUser(.admin, on: client)
            // A URL of this test's own, so the list can be searched for what this test registered.
            let url = "\(Self.endpointURL)/\(UUID().lowercasedString)"
            let body = #"{"url":"\#(url)","events":["booking.*","flight.cancelled"],"description":"back office"}"#
            let key: HTTPFields = [.idempotencyKey: "hook-\(UUID().lowercasedString)"]
            let registered = try await client.send(.post, "/v1/webhooks", token: admin.token, body: body, headers: key)
            XCTAssertEqual(registered.status, .created, registered.text)
            let webhookId = try XCTUnwrap((registered.object["webhookId"] as? String).flatMap(UUID.init(uuidString:)), registered.text)
            let id = webhookId.lowercasedString
            XCTAssertEqual(registered.headers[.location], "/v1/webhooks/\(id)")
            XCTAssertEqual(registered.object["url"] as? String, url)
            XCTAssertEqual(registered.object["events"] as? [String], ["booking.*", "flight.cancelled"])
            XCTAssertEqual(registered.object["description"] as? String, "back office")
            XCTAssertNotNil(registered.object["registeredAt"] as? String, registered.text)
            let secret = try XCTUnwrap(registered.object["secret"] as? String, registered.text)
            XCTAssertTrue(secret.hasPrefix("whsec_"), secret)

            // Listed, alone or with the rest, and never with its secret.
            let listed = try await client.get("/v1/webhooks", token: admin.token)
            XCTAssertEqual(listed.status, .ok, listed.text)
            let entries = try listed.json(WebhookList.self).webhooks
            XCTAssertEqual(entries.filter { $0.webhookId == webhookId }.count, 1, listed.text)
            XCTAssertFalse(listed.text.contains(secret))
            XCTAssertTrue((listed.object["webhooks"] as? [[String: Any]])?.allSatisfy { $0["secret"] == nil } ?? false, listed.text)
            let one = try await client.get("/v1/webhooks/\(id)", token: admin.token)
            XCTAssertEqual(one.status, .ok, one.text)
            let entry = try one.json(WebhookList.Entry.self)
            XCTAssertEqual(entry.url, url)
            XCTAssertEqual(entry.events, ["booking.*", "flight.cancelled"])
            XCTAssertEqual(entry.description, "back office")
            XCTAssertEqual(entry.state, .enabled)
            XCTAssertNil(entry.previousSecretExpiresAt)
            XCTAssertFalse(one.text.contains(secret))

            // A retry names the same endpoint, whose secret was shown already: 409, not an answer
            // without it. The key with another endpoint is refused.
            let retried = try await client.send(.post, "/v1/webhooks", token: admin.token, body: body, headers: key)
            XCTAssertEqual(retried.status, .conflict, retried.text)
            XCTAssertEqual(retried.headers[.contentType], "application/problem+json")
            XCTAssertTrue(retried.text.contains("rotate-secret"), retried.text)
            XCTAssertFalse(retried.text.contains(secret))
            let reused = try await client.send(.post, "/v1/webhooks", token: admin.token,
                                               body: #"{"url":"\#(url)/other","events":["booking.*"]}"#, headers: key)
            XCTAssertEqual(reused.status, .unprocessableContent, reused.text)
            XCTAssertEqual(reused.problemField, "Idempotency-Key", reused.text)
            let afterRetries = try await client.get("/v1/webhooks", token: admin.token).json(WebhookList.self).webhooks
            XCTAssertEqual(afterRetries.filter { $0.url.hasPrefix(url) }.map(\.webhookId), [webhookId])

            // Rotating shows a new secret once; the previous one signs for another 24 hours.
            let rotated = try await client.send(.post, "/v1/webhooks/\(id)/rotate-secret", token: admin.token)
            XCTAssertEqual(rotated.status, .ok, rotated.text)
            let answer = try rotated.json(WebhookSecretAnswer.self)
            XCTAssertEqual(answer.webhookId, webhookId)
            XCTAssertTrue(answer.secret.hasPrefix("whsec_"), answer.secret)
            XCTAssertNotEqual(answer.secret, secret)
            let expires = try XCTUnwrap(answer.previousSecretExpiresAt, rotated.text)
            XCTAssertEqual(expires.timeIntervalSinceNow, 24 * 3600, accuracy: 300)
            let afterRotation = try await client.get("/v1/webhooks/\(id)", token: admin.token)
            XCTAssertEqual(try afterRotation.json(WebhookList.Entry.self).previousSecretExpiresAt, expires)
            XCTAssertFalse(afterRotation.text.contains(answer.secret))

            // Deleted, it is gone for every route.
            let deleted = try await client.send(.delete, "/v1/webhooks/\(id)", token: admin.token, headers: [.prefer: "wait=10"])
            XCTAssertEqual(deleted.status, .ok, deleted.text)
            XCTAssertEqual(try deleted.json(WebhookDeleted.self).webhookId, webhookId)
            for (method, path) in [(HTTPRequest.Method.get, "/v1/webhooks/\(id)"), (.delete, "/v1/webhooks/\(id)"),
                                   (.post, "/v1/webhooks/\(id)/rotate-secret")] {
                let gone = try await client.send(method, path, token: admin.token)
                XCTAssertEqual(gone.status, .notFound, "\(method) \(path): \(gone.text)")
                XCTAssertEqual(gone.headers[.contentType], "application/problem+json")
            }
            let remaining = try await client.get("/v1/webhooks", token: admin.token).json(WebhookList.self).webhooks
            XCTAssertFalse(remaining.contains { $0.webhookId == webhookId })
        }
    }

    func testAnEndpointWithoutADescriptionIsRegisteredWithoutOne() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let admin = try await shared.makeUser(.admin, on: client)
            for body in [#"{"url":"\#(Self.endpointURL)","events":["*.cancelled"]}"#,
                         #"{"url":"\#(Self.endpointURL)","events":["*.cancelled"],"description":null}"#] {
                let registered = try await client.send(.post, "/v1/webhooks", token: admin.token, body: body)
                XCTAssertEqual(registered.status, .created, registered.text)
                XCTAssertNil(registered.object["description"], registered.text)
                XCTAssertTrue((registered.object["secret"] as? String)?.hasPrefix("whsec_") ?? false, registered.text)
            }
        }
    }

    /// An ingress that may not wait at all answers 202 without the secret; the secret is not
    /// lost, since a retry with the same key, to an ingress that waits, shows it.
    func testASecretNotShownInTimeIsShownToTheRetry() async throws {
        let shared = try shared
        let body = #"{"url":"\#(Self.endpointURL)/\#(UUID().lowercasedString)","events":["*.cancelled"]}"#
        let key: HTTPFields = [.idempotencyKey: "hook-\(UUID().lowercasedString)"]
        try await shared.withIngress({ $0.maximumWait = .zero }) { hurried in
            let admin = try await shared.makeUser(.admin, on: hurried)
            let accepted = try await hurried.send(.post, "/v1/webhooks", token: admin.token, body: body, headers: key)
            XCTAssertEqual(accepted.status, .accepted, accepted.text)
            XCTAssertNil(accepted.object["secret"], accepted.text)
            try await shared.withIngress { client in
                let retried = try await client.send(.post, "/v1/webhooks", token: admin.token, body: body, headers: key)
                XCTAssertEqual(retried.status, .created, retried.text)
                XCTAssertEqual(retried.headers[.location], accepted.headers[.location])
                XCTAssertTrue((retried.object["secret"] as? String)?.hasPrefix("whsec_") ?? false, retried.text)
            }
        }
    }

    func testBadEndpointsAreRefusedNamingTheField() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let admin = try await shared.makeUser(.admin, on: client)
            let before = try await client.get("/v1/webhooks", token: admin.token).json(WebhookList.self).webhooks
            let url = Self.endpointURL
            let cases: [(String, String, String)] = [
                ("no url", #"{"events":["booking.*"]}"#, "url"),
                ("a url that is not text", #"{"url":42,"events":["booking.*"]}"#, "url"),
                ("not a URL", #"{"url":"hooks.example.com/airfleet","events":["booking.*"]}"#, "url"),
                ("another scheme", #"{"url":"ftp://hooks.example.com/airfleet","events":["booking.*"]}"#, "url"),
                ("a password in the URL", #"{"url":"https://ann:secret@hooks.example.com/","events":["booking.*"]}"#, "url"),
                ("no events", #"{"url":"\#(url)","events":[]}"#, "events"),
                ("events that are not a list", #"{"url":"\#(url)","events":"booking.*"}"#, "events"),
                ("a pattern twice", #"{"url":"\#(url)","events":["booking.*","booking.*"]}"#, "events"),
                ("a bad pattern", #"{"url":"\#(url)","events":["booking.*","flight.cancelled","Booking Confirmed"]}"#, "events[2]"),
                ("an empty word", #"{"url":"\#(url)","events":["booking..confirmed"]}"#, "events[0]"),
                ("a long description", #"{"url":"\#(url)","events":["*"],"description":"\#(String(repeating: "d", count: 201))"}"#,
                 "description"),
            ]
            for (name, body, field) in cases {
                let response = try await client.send(.post, "/v1/webhooks", token: admin.token, body: body)
                XCTAssertEqual(response.status, .badRequest, "\(name): \(response.text)")
                XCTAssertEqual(response.headers[.contentType], "application/problem+json", name)
                XCTAssertEqual(response.problemField, field, "\(name): \(response.text)")
            }
            for (method, path) in [(HTTPRequest.Method.get, "/v1/webhooks/hook-1"), (.delete, "/v1/webhooks/hook-1"),
                                   (.post, "/v1/webhooks/hook-1/rotate-secret")] {
                let response = try await client.send(method, path, token: admin.token)
                XCTAssertEqual(response.status, .badRequest, "\(method) \(path): \(response.text)")
                XCTAssertEqual(response.problemField, "webhookId", "\(method) \(path): \(response.text)")
            }
            let after = try await client.get("/v1/webhooks", token: admin.token).json(WebhookList.self).webhooks
            XCTAssertEqual(after, before, "nothing was registered")
        }
    }

    func testLocalAddressesAreRefusedUnlessTheIngressAllowsThem() async throws {
        let shared = try shared
        let local = ["http://127.0.0.1/x", "http://127.1:8080/x", "http://localhost/x", "http://hooks.localhost./x", "http://[::1]/x",
                     "http://10.1.2.3/x", "http://192.168.0.10/x", "http://169.254.169.254/latest/meta-data", "http://[fe80::1]/x"]
        try await shared.withIngress { client in
            let admin = try await shared.makeUser(.admin, on: client)
            for url in local {
                let refused = try await client.post("/v1/webhooks", token: admin.token, json: ["url": url, "events": ["booking.*"]])
                XCTAssertEqual(refused.status, .unprocessableContent, "\(url): \(refused.text)")
                XCTAssertEqual(refused.problemField, "url", "\(url): \(refused.text)")
            }
            // A name is judged when a delivery resolves it, not here.
            let named = try await client.post("/v1/webhooks", token: admin.token, json: ["url": Self.endpointURL, "events": ["booking.*"]])
            XCTAssertEqual(named.status, .created, named.text)
        }
        try await shared.withIngress({ $0.allowPrivateWebhookAddresses = true }) { client in
            let admin = try await shared.makeUser(.admin, on: client)
            let allowed = try await client.post("/v1/webhooks", token: admin.token,
                                                json: ["url": "http://127.0.0.1/x", "events": ["test.never-published"]])
            XCTAssertEqual(allowed.status, .created, allowed.text)
        }
    }

    func testOnlyAdminsManageEndpoints() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let id = UUID().lowercasedString
            let body = #"{"url":"\#(Self.endpointURL)","events":["booking.*"]}"#
            for role in [CustomerRole.customer, .agent] {
                let user = try await shared.makeUser(role, on: client)
                for (method, path) in [(HTTPRequest.Method.get, "/v1/webhooks"), (.post, "/v1/webhooks"), (.get, "/v1/webhooks/\(id)"),
                                       (.delete, "/v1/webhooks/\(id)"), (.post, "/v1/webhooks/\(id)/rotate-secret")] {
                    let response = try await client.send(method, path, token: user.token, body: method == .post ? body : nil)
                    XCTAssertEqual(response.status, .forbidden, "\(method) \(path) as \(role): \(response.text)")
                }
            }
        }
    }
}
