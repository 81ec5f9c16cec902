import Foundation
import HTTPTypes
import XCTest

/// A customer's phone number and notification preferences through `PATCH /v1/me`: kept, changed
/// kind by kind, removed, and every bad value refused naming its field.
final class ContactSettingsTests: IngressTestCase {
    func testThePhoneAndThePreferencesAreSetChangedAndRemoved() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let user = try await shared.makeUser(.customer, on: client)
            let before = try await client.get("/v1/me", token: user.token)
            XCTAssertEqual(before.status, .ok, before.text)
            XCTAssertNil(before.object["phone"])
            XCTAssertEqual(before.object["notificationPreferences"] as? [String: [String]],
                           ["confirmations": ["email"], "reminders": ["email"], "flightChanges": ["email"]])

            let set = try await client.send(.patch, "/v1/me", token: user.token, body: """
                {"phone":"+4915123456789","notificationPreferences":{"reminders":["email","sms"],"flightChanges":["push"]}}
                """, headers: [.prefer: "wait=10"])
            XCTAssertEqual(set.status, .ok, set.text)
            XCTAssertEqual(set.object["phone"] as? String, "+4915123456789")
            let me = try await client.get("/v1/me", token: user.token)
            XCTAssertEqual(me.object["phone"] as? String, "+4915123456789")
            XCTAssertEqual(me.object["notificationPreferences"] as? [String: [String]],
                           ["confirmations": ["email"], "reminders": ["email", "sms"], "flightChanges": ["push"]])

            // The phone cannot go while reminders go by SMS; with SMS taken out in the same request it can.
            let orphaned = try await client.send(.patch, "/v1/me", token: user.token, body: #"{"phone":null}"#)
            XCTAssertEqual(orphaned.status, .unprocessableContent, orphaned.text)
            XCTAssertEqual(orphaned.problemField, "phone")
            let removed = try await client.send(.patch, "/v1/me", token: user.token, body: """
                {"phone":null,"notificationPreferences":{"reminders":["email"],"flightChanges":null}}
                """, headers: [.prefer: "wait=10"])
            XCTAssertEqual(removed.status, .ok, removed.text)
            XCTAssertNil(removed.object["phone"])
            XCTAssertEqual(removed.object["notificationPreferences"] as? [String: [String]],
                           ["confirmations": ["email"], "reminders": ["email"], "flightChanges": ["push"]], "null keeps a kind as it was")
        }
    }

    func testBadContactSettingsAreRefusedNamingTheField() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let user = try await shared.makeUser(.customer, on: client)
            let cases: [(String, String, HTTPResponse.Status, String)] = [
                ("a number without its country code", #"{"phone":"015123456789"}"#, .badRequest, "phone"),
                ("blanks in the number", #"{"phone":"+49 151 23456789"}"#, .badRequest, "phone"),
                ("a number that is not text", #"{"phone":4915123456789}"#, .badRequest, "phone"),
                ("an unknown channel", #"{"notificationPreferences":{"reminders":["email","fax"]}}"#, .badRequest, "notificationPreferences.reminders[1]"),
                ("a channel twice", #"{"notificationPreferences":{"confirmations":["push","push"]}}"#, .badRequest, "notificationPreferences.confirmations[1]"),
                ("no kind named", #"{"notificationPreferences":{}}"#, .badRequest, "notificationPreferences"),
                ("a kind misspelt", #"{"notificationPreferences":{"reminder":["sms"]}}"#, .badRequest, "notificationPreferences.reminder"),
                ("SMS without a phone", #"{"notificationPreferences":{"flightChanges":["sms"]}}"#, .unprocessableContent, "notificationPreferences.flightChanges"),
            ]
            for (name, body, status, field) in cases {
                let response = try await client.send(.patch, "/v1/me", token: user.token, body: body)
                XCTAssertEqual(response.status, status, "\(name): \(response.text)")
                XCTAssertEqual(response.headers[.contentType], "application/problem+json", name)
                XCTAssertEqual(response.problemField, field, "\(name): \(response.text)")
            }
            let unchanged = try await client.get("/v1/me", token: user.token)
            XCTAssertNil(unchanged.object["phone"], "nothing of it was sent")
        }
    }

    func testDevicesAreRegisteredListedWithoutTheirTokensAndRemoved() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let user = try await shared.makeUser(.customer, on: client)
            let deviceId = UUID().lowercasedString
            let registered = try await client.send(.post, "/v1/me/devices", token: user.token, body: """
                {"token":"fcm:abc-123","platform":"android","deviceId":"\(deviceId)"}
                """, headers: [.prefer: "wait=10"])
            XCTAssertEqual(registered.status, .created, registered.text)
            XCTAssertEqual((registered.object["deviceId"] as? String)?.lowercased(), deviceId)
            let listed = try await client.get("/v1/me/devices", token: user.token)
            XCTAssertEqual(listed.status, .ok, listed.text)
            let devices = listed.object["devices"] as? [[String: Any]]
            XCTAssertEqual(devices?.map { ($0["deviceId"] as? String)?.lowercased() }, [deviceId])
            XCTAssertFalse(listed.text.contains("abc-123"), "tokens are not listed")

            for (name, body, field) in [("a token with a blank", #"{"token":"fcm abc","platform":"android"}"#, "token"),
                                        ("an unknown platform", #"{"token":"abc","platform":"pager"}"#, "platform")] {
                let refused = try await client.send(.post, "/v1/me/devices", token: user.token, body: body)
                XCTAssertEqual(refused.status, .badRequest, "\(name): \(refused.text)")
                XCTAssertEqual(refused.problemField, field, name)
            }

            let removed = try await client.send(.delete, "/v1/me/devices/\(deviceId)", token: user.token, headers: [.prefer: "wait=10"])
            XCTAssertEqual(removed.status, .ok, removed.text)
            let none = try await client.get("/v1/me/devices", token: user.token)
            XCTAssertEqual((none.object["devices"] as? [Any])?.count, 0)
        }
    }
}
