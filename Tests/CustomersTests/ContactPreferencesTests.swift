import Contracts
@testable import Fleet
import Foundation
import XCTest

/// Phone numbers, notification preferences and the v1 messages that had neither: pure rules, no
/// broker, no database.
final class ContactPreferencesTests: XCTestCase {
    private let id = UUID()

    private func error(_ check: () throws -> Void) -> String? {
        do { try check(); return nil } catch { return "\(error)" }
    }

    func testPhoneNumbersAreE164() {
        for good in ["+4915123456789", "+12025550123", "+8613812345678", "+3312345"] {
            XCTAssertNil(error { try CustomerRules.checkPhone(good) }, good)
        }
        for bad in ["", "+", "4915123456789", "+0915123456789", "+49 151 23456789", "+49-151-2345", "+123456", "+1234567890123456", "+49151２３４５６７"] {
            XCTAssertEqual(error { try CustomerRules.checkPhone(bad) }?.hasPrefix("phone: must be a phone number in E.164 form"), true, bad)
        }
    }

    func testPreferencesNameEachChannelOnce() {
        let twice = NotificationPreferences(confirmations: [.email], reminders: [.sms, .email, .sms], flightChanges: [])
        XCTAssertEqual(error { try twice.validate(at: "notificationPreferences") },
                       "notificationPreferences.reminders[2]: names sms a second time; name each channel once")
        XCTAssertNil(error { try NotificationPreferences.emailOnly.validate(at: "notificationPreferences") })
        XCTAssertEqual(error { try NotificationPreferencesChange().validate(at: "notificationPreferences") },
                       "notificationPreferences: must name at least one of confirmations, reminders and flightChanges")
    }

    func testAChangeReplacesOnlyTheKindsItNames() {
        let after = NotificationPreferences.emailOnly.applying(NotificationPreferencesChange(reminders: [.email, .sms], flightChanges: []))
        XCTAssertEqual(after, NotificationPreferences(confirmations: [.email], reminders: [.email, .sms], flightChanges: []))
        XCTAssertEqual(after.kinds(using: .sms), ["reminders"])
        XCTAssertFalse(after.uses(.push))
    }

    func testUpdatesCheckPhoneAndPreferencesAndMayRemoveThePhone() {
        XCTAssertNil(error { try UpdateCustomer(customerId: id, phone: "").validate() }, "the empty string removes the number")
        XCTAssertNil(error { try UpdateCustomer(customerId: id, phone: "+4915123456789").validate() })
        XCTAssertEqual(error { try UpdateCustomer(customerId: id, phone: "0151 2345").validate() }?.hasPrefix("phone: "), true)
        XCTAssertEqual(error { try UpdateCustomer(customerId: id, notificationPreferences: NotificationPreferencesChange(confirmations: [.push, .push])).validate() },
                       "notificationPreferences.confirmations[1]: names push a second time; name each channel once")
        XCTAssertEqual(error { try RegisterCustomer(customerId: id, email: "li@example.com", passwordHash: Bcrypt4.hash, name: "Li",
                                                    phone: "+86 138").validate() }?.hasPrefix("phone: "), true)
    }

    func testSMSNeedsAPhoneNumberInTheProfileTheUpdateLeaves() {
        let now = Date()
        let noPhone = CustomerProfile(customerId: id, email: "li@example.com", name: "Li", roles: [.customer], passengers: [],
                                      notificationPreferences: .emailOnly, createdAt: now, updatedAt: now)
        var withPhone = noPhone
        withPhone.phone = "+8613812345678"
        withPhone.notificationPreferences = NotificationPreferences(confirmations: [.email], reminders: [.sms], flightChanges: [.sms])
        let smsReminders = UpdateCustomer(customerId: id, notificationPreferences: NotificationPreferencesChange(reminders: [.sms]))

        XCTAssertEqual(error { try smsReminders.checkSMSReachable(from: noPhone) },
                       "notificationPreferences.reminders: sms needs a phone number; give phone in the same request")
        var both = smsReminders
        both.phone = "+8613812345678"
        XCTAssertNil(error { try both.checkSMSReachable(from: noPhone) })
        XCTAssertNil(error { try smsReminders.checkSMSReachable(from: withPhone) })
        XCTAssertEqual(error { try UpdateCustomer(customerId: id, phone: "").checkSMSReachable(from: withPhone) },
                       "phone: cannot be removed while reminders, flightChanges go by sms; take sms out of notificationPreferences in the same request")
        let emailAgain = NotificationPreferencesChange(reminders: [.email], flightChanges: [.email])
        XCTAssertNil(error { try UpdateCustomer(customerId: id, phone: "", notificationPreferences: emailAgain).checkSMSReachable(from: withPhone) })
    }

    // MARK: v1, read as v2

    /// What a consumer of each message gets from a v1 document on its queue.
    private func prepared<M: Message>(_ type: M.Type, from v1: MessageType, data: String) throws -> M {
        var registry = HandlerRegistry(context: "probe")
        registry.handle(M.self) { _, _ in }
        guard case .found(let handler) = registry.resolveHandler(v1) else { throw FleetError("\(v1) is not accepted") }
        let document = #"{"specversion":"1.0","id":"m-1","type":"\#(v1)","source":"pika","time":"2026-12-07T10:00:00Z","data":\#(data)}"#
        let header = try FleetJSON.standardDecoder.decode(EnvelopeHeader.self, from: Data(document.utf8))
        return try XCTUnwrap(handler.prepare(header, Data(document.utf8), FleetJSON.standardDecoder).data as? M)
    }

    func testV1CommandsAreUpcastToV2WithoutContactChanges() throws {
        let register = try prepared(RegisterCustomer.self, from: RegisterCustomerV1.messageType, data: """
            {"customerId":"\(id.lowercasedString)","email":"li@example.com","passwordHash":"\(Bcrypt4.hash)","name":"Li","role":"agent"}
            """)
        XCTAssertEqual(register, RegisterCustomer(customerId: id, email: "li@example.com", passwordHash: Bcrypt4.hash, name: "Li", role: .agent))
        let update = try prepared(UpdateCustomer.self, from: UpdateCustomerV1.messageType, data: #"{"customerId":"\#(id.lowercasedString)","name":"Li Wei"}"#)
        XCTAssertEqual(update, UpdateCustomer(customerId: id, name: "Li Wei"))
        XCTAssertNil(update.phone, "a v1 update leaves the phone as it is")
    }

    func testV1EventsAreUpcastWithEmailForEveryKindOfNotice() throws {
        let registered = try prepared(CustomerRegistered.self, from: CustomerRegisteredV1.messageType, data: """
            {"customerId":"\(id.lowercasedString)","email":"li@example.com","name":"Li","roles":["customer"],"registeredAt":"2026-12-07T10:00:00.000Z"}
            """)
        XCTAssertEqual(registered.notificationPreferences, .emailOnly)
        XCTAssertNil(registered.phone)
        let updated = try prepared(CustomerUpdated.self, from: CustomerUpdatedV1.messageType, data: """
            {"customerId":"\(id.lowercasedString)","name":"Li","passengers":[],"updatedAt":"2026-12-07T10:00:00.000Z"}
            """)
        XCTAssertEqual(updated.notificationPreferences, .emailOnly)
        XCTAssertEqual(updated.name, "Li")
    }
}
