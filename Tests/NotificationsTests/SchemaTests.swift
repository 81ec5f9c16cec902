import Contracts
import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// What the Swift types encode validates against Schemas/notifications/<type>.schema.json.
final class SchemaTests: XCTestCase {
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
        XCTAssertEqual(try SchemaCheck.problems(encoding: samples, context: "notifications"), [])
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
