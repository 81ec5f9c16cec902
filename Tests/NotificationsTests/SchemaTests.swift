import Contracts
import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// What the Swift types encode validates against Schemas/notifications/<type>.schema.json, and each
/// schema's examples decode into the Swift type and pass its rules.
final class SchemaTests: XCTestCase {
    private func validate(_ schema: String, _ documents: [Data]) throws -> (status: Int32, output: String) {
        try SchemaCheck.validate(documents, against: "notifications/\(schema).schema.json")
    }

    private struct AnyValue: Encodable {
        let value: any Encodable
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }

    func testEveryMessageTheSwiftTypesEncodeValidatesAgainstItsSchema() throws {
        let booking = UUID(), subscription = UUID(), customer = UUID(), flight = UUID(), now = Date()
        let contact = NotificationAddressee(bookingId: booking, customerId: customer, email: "zoe@example.com")
        let follower = NotificationAddressee(subscriptionId: subscription, email: "fan@example.com")
        let samples: [(String, [any Encodable])] = [
            ("notification.sent.v1", NotificationKind.allCases.map {
                NotificationSent(deliveryKey: "booking:\(booking):\($0.rawValue):1", kind: $0, to: contact, flightId: flight,
                                 messageId: "\($0.rawValue).1.b.x@airfleet.local", sentAt: now)
            } + [NotificationSent(deliveryKey: "subscription:x:gate-changed:B12", kind: .gateChanged, to: follower, flightId: nil,
                                  messageId: "m@airfleet.local", sentAt: now)]),
            ("notification.failed.v1", NotificationFailed.Reason.allCases.map {
                NotificationFailed(deliveryKey: "k", kind: .bookingConfirmed, to: contact, flightId: flight, reason: $0,
                                   detail: "550 5.1.1 mailbox unavailable", failedAt: now)
            }),
            ("notification.list.v1", [ListNotifications(bookingId: booking), ListNotifications(customerId: customer)]),
            ("notification.list.v1.response", [ListNotifications.Response(notifications: NotificationView.State.allCases.map {
                NotificationView(deliveryKey: "k", kind: .reminder2h, state: $0, to: contact, flightId: flight, messageId: "m",
                                 attempts: 2, error: $0 == .sent ? nil : "421 try later", createdAt: now, updatedAt: now)
            })]),
        ]
        for (name, values) in samples {
            let documents = try values.map { try FleetJSON.encoder().encode(AnyValue(value: $0)) }
            let result = try validate(name, documents)
            XCTAssertEqual(result.status, 0, "\(name): \(result.output)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: SchemaCheck.folder.appendingPathComponent("notifications").path)
        XCTAssertEqual(Set(files.map { $0.replacingOccurrences(of: ".schema.json", with: "") }), Set(samples.map(\.0)),
                       "every schema has a Swift type, and every type a schema")
    }

    func testEachSchemasExamplesValidateAndDecodeIntoTheSwiftType() throws {
        func check<T: Decodable>(_ type: T.Type, _ name: String, rules: (T) throws -> Void = { _ in }) throws {
            let data = try Data(contentsOf: SchemaCheck.folder.appendingPathComponent("notifications/\(name).schema.json"))
            let schema = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
            let documents = try XCTUnwrap(schema["examples"] as? [Any], name).map { try JSONSerialization.data(withJSONObject: $0) }
            XCTAssertEqual(try validate(name, documents).status, 0, name)
            for document in documents { XCTAssertNoThrow(try rules(try FleetJSON.decoder().decode(T.self, from: document)), name) }
        }
        try check(NotificationSent.self, "notification.sent.v1") { try $0.validate() }
        try check(NotificationFailed.self, "notification.failed.v1") { try $0.validate() }
        try check(ListNotifications.self, "notification.list.v1") { try $0.validate() }
        try check(ListNotifications.Response.self, "notification.list.v1.response")
    }

    func testTheRulesNameTheFieldAtFault() {
        XCTAssertThrowsError(try ListNotifications().validate()) { XCTAssertEqual(($0 as? ValidationError)?.field, "bookingId") }
        XCTAssertThrowsError(try ListNotifications(bookingId: UUID(), customerId: UUID()).validate())
        let both = NotificationAddressee(bookingId: UUID(), subscriptionId: UUID(), email: "a@b.c")
        XCTAssertThrowsError(try NotificationSent(deliveryKey: "k", kind: .bookingConfirmed, to: both, flightId: nil, messageId: "m",
                                                  sentAt: Date()).validate())
        let badEmail = NotificationAddressee(bookingId: UUID(), email: "nobody")
        XCTAssertThrowsError(try NotificationSent(deliveryKey: "k", kind: .bookingConfirmed, to: badEmail, flightId: nil,
                                                  messageId: "m", sentAt: Date()).validate()) {
            XCTAssertEqual(($0 as? ValidationError)?.field, "to.email")
        }
    }
}
