import Contracts
import Fleet
import FleetTestSupport
import Foundation
import HTTPDelivery
import Notifications
import TestServers
import XCTest

/// Notices by SMS and push through real HTTP gateways (Python's http.server) that check the
/// Standard Webhooks signature, for the customers who chose them.
final class GatewayMessageTests: NotificationsTestCase {
    private let secret = WebhookSecret.generate()
    private var gateway: WebhookReceiverProcess!
    private var pushGateway: WebhookReceiverProcess!

    override func setUpWithError() throws {
        gateway = try WebhookReceiverProcess(secrets: [secret.text])
        pushGateway = try WebhookReceiverProcess(secrets: [secret.text])
        try super.setUpWithError()
    }

    override func tearDown() {
        super.tearDown()
        gateway?.stop()
        pushGateway?.stop()
    }

    override func settings() throws -> NotificationsContext.Settings {
        var settings = try super.settings()
        settings.smsGatewayURL = gateway.url("/ok")
        settings.smsGatewaySecret = secret
        settings.pushGatewayURL = pushGateway.url("/ok")
        settings.pushGatewaySecret = secret
        settings.delivery = HTTPPoster.Settings(connectTimeout: .seconds(2), totalTimeout: .seconds(2), allowPrivateAddresses: true)
        return settings
    }

    private struct Notice: Decodable, Equatable {
        let channel, deliveryId, recipient, text, kind: String
        let platform: String?
        let bookingId, flightId, customerId: UUID?
    }

    private func notices(at receiver: WebhookReceiverProcess? = nil) throws -> [(request: WebhookReceiverProcess.Request, notice: Notice)] {
        try (receiver ?? gateway).requests().map { ($0, try JSONDecoder().decode(Notice.self, from: Data($0.body.utf8))) }
    }

    private func customer(_ customerId: UUID, phone: String?, confirmations: [NotificationChannel],
                          reminders: [NotificationChannel]) -> CustomerUpdated {
        CustomerUpdated(customerId: customerId, name: "Li", passengers: [], phone: phone,
                        notificationPreferences: NotificationPreferences(confirmations: confirmations, reminders: reminders,
                                                                         flightChanges: [.email]),
                        updatedAt: Date())
    }

    func testTheChosenNoticesGoByASignedSMSAndRemindersByEveryChannelChosen() throws {
        try startConsumer()
        let flight = flight(departingIn: hours(30))
        var booking = confirmed(flight, email: "li@example.com", pnr: "SMS001")
        try publish(customer(booking.customerId, phone: "+8613812345678", confirmations: [.sms], reminders: [.email, .sms]))
        try publish(FlightScheduled(flight: flight))
        try publish(booking)
        try fleet.eventually("the confirmation reaches the gateway") { try self.gateway.requests().count == 1 }

        let (request, notice) = try XCTUnwrap(notices().first)
        XCTAssertEqual(request.signatureValid, true)
        XCTAssertEqual(request.id, "\(bookingKey(booking)):sms", "the delivery's key is the gateway's dedupe key")
        XCTAssertEqual(notice.channel, "sms")
        XCTAssertEqual(notice.recipient, "+8613812345678")
        XCTAssertEqual(notice.kind, "booking-confirmed")
        XCTAssertEqual(notice.bookingId, booking.bookingId)
        XCTAssertEqual(notice.flightId, flight.flightId)
        XCTAssertTrue(notice.text.contains("SMS001"), notice.text)
        settle()
        XCTAssertEqual(try sink.messages().count, 0, "the customer takes confirmations by SMS only")

        // The 24 h reminder: by email and by SMS.
        try setClock(to: flight.departure.addingTimeInterval(-hours(23)))
        try waitForMail(1, "the reminder email") { $0.kind == "reminder-24h" }
        try fleet.eventually("the reminder reaches the gateway") { try self.notices().contains { $0.notice.kind == "reminder-24h" } }

        // The confirmation again (a replay): nothing more goes out.
        booking.confirmedAt = Date()
        try publish(booking)
        try fleet.eventually("the replay is handled") { try self.fleet.totalMessages("airfleet.notifications") == 0 }
        settle()
        XCTAssertEqual(try notices().filter { $0.notice.kind == "booking-confirmed" }.count, 1)
    }

    func testACustomerWithoutAPhoneGetsNoSMSAndSomeoneWhoDidNotChooseItNeither() throws {
        try startConsumer()
        let flight = flight(departingIn: hours(72))
        let noPhone = confirmed(flight, email: "no.phone@example.com")
        let emailOnly = confirmed(flight, email: "email.only@example.com")
        try publish(customer(noPhone.customerId, phone: nil, confirmations: [.email, .sms], reminders: [.email]))
        try publish(customer(emailOnly.customerId, phone: "+4915123456789", confirmations: [.email], reminders: [.email]))
        try publish(FlightScheduled(flight: flight))
        try publish(noPhone, emailOnly)
        try waitForMail(2, "both confirmations")
        settle()
        XCTAssertEqual(try gateway.requests().count, 0)
    }
}

extension GatewayMessageTests {
    func testFlightChangesGoByPushToEachDeviceStillRegistered() throws {
        try startConsumer()
        let flight = flight(departingIn: hours(72))
        let booking = confirmed(flight, email: "li@example.com")
        let customerId = booking.customerId
        try publish(CustomerUpdated(customerId: customerId, name: "Li", passengers: [], phone: nil,
                                    notificationPreferences: NotificationPreferences(confirmations: [.email], reminders: [],
                                                                                     flightChanges: [.push]),
                                    updatedAt: Date()))
        let phone = UUID(), tablet = UUID(), old = UUID()
        try publish(DeviceRegistered(customerId: customerId, deviceId: phone, token: "apns-phone", platform: .ios, registeredAt: Date()),
                    DeviceRegistered(customerId: customerId, deviceId: tablet, token: "fcm-tablet", platform: .android, registeredAt: Date()),
                    DeviceRegistered(customerId: customerId, deviceId: old, token: "fcm-old", platform: .android, registeredAt: Date()))
        try publish(DeviceUnregistered(customerId: customerId, deviceId: old))
        try publish(FlightScheduled(flight: flight))
        try publish(booking)
        try waitForMail(1, "the confirmation email")

        try publish(delayed(flight, by: hours(2)))
        try fleet.eventually("both devices are told") { try self.pushGateway.requests().count == 2 }
        settle()
        let pushed = try notices(at: pushGateway)
        XCTAssertEqual(Set(pushed.map(\.notice.recipient)), ["apns-phone", "fcm-tablet"])
        XCTAssertEqual(Set(pushed.map { $0.notice.platform ?? "" }), ["ios", "android"])
        XCTAssertEqual(Set(pushed.map(\.notice.channel)), ["push"])
        XCTAssertEqual(Set(pushed.map(\.notice.kind)), ["flight-delayed"])
        XCTAssertEqual(pushed.map(\.request.signatureValid), [true, true])
        XCTAssertEqual(Set(pushed.map(\.request.id)), Set([phone, tablet].map {
            "booking:\(booking.bookingId.lowercasedString):flight-delayed:\(Int(flight.departure.addingTimeInterval(hours(2)).timeIntervalSince1970)):push:\($0.lowercasedString)"
        }))
        XCTAssertEqual(try sink.messages().filter { $0.kind == "flight-delayed" }.count, 0, "flight changes by push only")
        XCTAssertEqual(try gateway.requests().count, 0, "no SMS chosen, and no phone")
    }
}

/// A gateway that fails twice before it takes the SMS: the message climbs the retry ladder, the
/// email goes once, and the gateway gets one SMS in effect, the same id each time.
final class FlakyGatewayTests: NotificationsTestCase {
    private var gateway: WebhookReceiverProcess!

    override func setUpWithError() throws {
        gateway = try WebhookReceiverProcess()
        try super.setUpWithError()
    }

    override func tearDown() {
        super.tearDown()
        gateway?.stop()
    }

    override func settings() throws -> NotificationsContext.Settings {
        var settings = try super.settings()
        settings.smsGatewayURL = gateway.url("/flaky/sms")
        settings.delivery.allowPrivateAddresses = true
        return settings
    }

    func testTwoServerErrorsThenSuccessIsOneSMSAndOneEmail() throws {
        try startConsumer()
        let flight = flight(departingIn: hours(72))
        let booking = confirmed(flight, email: "li@example.com")
        try publish(CustomerUpdated(customerId: booking.customerId, name: "Li", passengers: [], phone: "+8613812345678",
                                    notificationPreferences: NotificationPreferences(confirmations: [.email, .sms], reminders: [],
                                                                                     flightChanges: []),
                                    updatedAt: Date()))
        try publish(FlightScheduled(flight: flight))
        try publish(booking)
        try fleet.eventually("the gateway took the SMS", timeout: .seconds(30)) {
            try self.gateway.requests().contains { $0.status == 200 }
        }
        try fleet.eventually("the message is done") { try self.fleet.totalMessages("airfleet.notifications") == 0 }
        settle()
        let requests = try gateway.requests()
        XCTAssertEqual(requests.map(\.status), [500, 500, 200])
        XCTAssertEqual(Set(requests.map(\.id)), ["\(bookingKey(booking)):sms"])
        XCTAssertEqual(try sink.messages().count, 1, "the email went once, on the first try")
        XCTAssertEqual(try deadLetters().count, 0)
    }
}
