import Contracts
import Customers
import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// What the Swift types encode validates against Schemas/customers, and the schemas refuse what
/// they must.
final class CustomersSchemaTests: XCTestCase {
    private static let folder = SchemaCheck.folder

    /// Runs Schemas/validate.py on documents; returns its exit status and output.
    private func validate(_ schemaName: String, _ documents: [Data]) throws -> (status: Int32, output: String) {
        try SchemaCheck.validate(documents, against: "customers/\(schemaName).schema.json")
    }

    private func encoded<T: Encodable>(_ values: [T]) throws -> [Data] {
        try values.map { try FleetJSON.encoder().encode($0) }
    }

    private func assertValid<T: Encodable>(_ schemaName: String, _ values: [T], file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try validate(schemaName, try encoded(values))
        XCTAssertEqual(result.status, 0, "\(schemaName): \(result.output)", file: file, line: line)
    }

    private let customer = UUID()
    private let now = Date()
    private let passengers = [
        SavedPassenger(passengerId: UUID(), firstName: "Zoë", lastName: "Ångström", dateOfBirth: "1984-03-07", loyaltyNumber: "AF123456789"),
        SavedPassenger(passengerId: UUID(), firstName: "Li", lastName: "Wei", dateOfBirth: "2015-11-30"),
    ]

    func testEveryMessageTypeHasASchema() throws {
        let types: [any Message.Type] = [RegisterCustomer.self, UpdateCustomer.self, CreateSubscription.self, DeleteSubscription.self,
                                         CustomerRegistered.self, CustomerRegistrationRejected.self, CustomerUpdated.self,
                                         SubscriptionCreated.self, SubscriptionDeleted.self,
                                         CustomerLogin.self, GetCustomer.self, ListSubscriptions.self,
                                         RegisterCustomerV1.self, UpdateCustomerV1.self, CustomerRegisteredV1.self, CustomerUpdatedV1.self,
                                         GetCustomerV1.self, RegisterDevice.self, UnregisterDevice.self, DeviceRegistered.self,
                                         DeviceUnregistered.self, ListDevices.self]
        var expected = Set(types.map { "\($0.messageType).schema.json" })
        expected.formUnion(["customer.login.v1.response.schema.json", "customer.get.v1.response.schema.json",
                            "customer.get.v2.response.schema.json", "subscription.list.v1.response.schema.json",
                            "device.list.v1.response.schema.json"])
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: Self.folder.appendingPathComponent("customers").path))
            .subtracting(["README.md"])
        XCTAssertEqual(present, expected)
        // And the context handles or answers exactly these messages.
        let definition = CustomersContext.definition(bcryptCost: 4)
        XCTAssertEqual(Set(definition.registry.acceptedMessages.map { "\($0.0)" } + definition.registry.answeredQueries.map(\.description)),
                       Set(["customer.register.v1", "customer.register.v2", "customer.update.v1", "customer.update.v2",
                            "subscription.create.v1", "subscription.delete.v1", "device.register.v1", "device.unregister.v1",
                            "customer.login.v1", "customer.get.v1", "customer.get.v2", "subscription.list.v1", "device.list.v1"]))
    }

    func testCommandsValidate() throws {
        try assertValid("customer.register.v2", [
            RegisterCustomer(customerId: customer, email: "zoe@example.com", passwordHash: Bcrypt4.hash, name: "Zoë Ångström"),
            RegisterCustomer(customerId: customer, email: "agent@airfleet.example", passwordHash: Bcrypt4.hash, name: "Desk", role: .agent),
            RegisterCustomer(customerId: customer, email: "li@example.com", passwordHash: Bcrypt4.hash, name: "Li", phone: "+8613812345678",
                             notificationPreferences: NotificationPreferences(confirmations: [], reminders: [.sms, .push], flightChanges: [.email, .sms, .push])),
        ])
        try assertValid("customer.register.v1", [
            RegisterCustomerV1(customerId: customer, email: "zoe@example.com", passwordHash: Bcrypt4.hash, name: "Zoë Ångström"),
        ])
        try assertValid("customer.update.v2", [
            UpdateCustomer(customerId: customer, name: "Zoë"),
            UpdateCustomer(customerId: customer, passengers: passengers),
            UpdateCustomer(customerId: customer, name: "Zoë", passengers: []),
            UpdateCustomer(customerId: customer, phone: "+4915123456789"),
            UpdateCustomer(customerId: customer, phone: ""),
            UpdateCustomer(customerId: customer, notificationPreferences: NotificationPreferencesChange(reminders: [.email, .sms])),
        ])
        try assertValid("customer.update.v1", [UpdateCustomerV1(customerId: customer, name: "Zoë")])
        try assertValid("subscription.create.v1", [CreateSubscription(subscriptionId: UUID(), customerId: customer, flightId: UUID())])
        try assertValid("subscription.delete.v1", [DeleteSubscription(customerId: customer, flightId: UUID())])
        try assertValid("device.register.v1", [RegisterDevice(customerId: customer, deviceId: UUID(), token: "fcm:abc", platform: .web)])
        try assertValid("device.unregister.v1", [UnregisterDevice(customerId: customer, deviceId: UUID())])
    }

    func testEventsValidate() throws {
        try assertValid("customer.registered.v2", [
            CustomerRegistered(customerId: customer, email: "zoe@example.com", name: "Zoë", roles: [.customer],
                               notificationPreferences: .emailOnly, registeredAt: now),
            CustomerRegistered(customerId: customer, email: "zoe@example.com", name: "Zoë", roles: [.customer], phone: "+4915123456789",
                               notificationPreferences: NotificationPreferences(confirmations: [], reminders: [.sms], flightChanges: [.push]),
                               registeredAt: now),
        ])
        try assertValid("customer.registered.v1", [CustomerRegisteredV1(customerId: customer, email: "zoe@example.com", name: "Zoë",
                                                                        roles: [.customer], registeredAt: now)])
        try assertValid("customer.registration-rejected.v1", [CustomerRegistrationRejected(
            customerId: customer, email: "zoe@example.com", reason: .emailTaken, message: "a customer with this email is already registered")])
        try assertValid("customer.updated.v2", [
            CustomerUpdated(customerId: customer, name: "Zoë", passengers: passengers, notificationPreferences: .emailOnly, updatedAt: now),
            CustomerUpdated(customerId: customer, name: "Zoë", passengers: [], phone: "+4915123456789",
                            notificationPreferences: NotificationPreferences(confirmations: [.email], reminders: [.email, .sms], flightChanges: []),
                            updatedAt: now),
        ])
        try assertValid("customer.updated.v1", [CustomerUpdatedV1(customerId: customer, name: "Zoë", passengers: [], updatedAt: now)])
        try assertValid("subscription.created.v1", [SubscriptionCreated(subscriptionId: UUID(), customerId: customer, flightId: UUID(),
                                                                        email: "zoe@example.com", createdAt: now)])
        try assertValid("subscription.deleted.v1", [SubscriptionDeleted(subscriptionId: UUID(), customerId: customer, flightId: UUID())])
        try assertValid("device.registered.v1", [DeviceRegistered(customerId: customer, deviceId: UUID(), token: "apns-1", platform: .ios,
                                                                  registeredAt: now)])
        try assertValid("device.unregistered.v1", [DeviceUnregistered(customerId: customer, deviceId: UUID())])
    }

    func testQueriesAndTheirAnswersValidate() throws {
        try assertValid("customer.login.v1", [CustomerLogin(email: "Zoe@Example.com", password: "correct horse battery")])
        try assertValid("customer.login.v1.response", [CustomerIdentity(customerId: customer, email: "zoe@example.com", name: "Zoë", roles: [.admin])])
        try assertValid("customer.get.v2", [GetCustomer(customerId: customer)])
        let profile = CustomerProfile(customerId: customer, email: "zoe@example.com", name: "Zoë", roles: [.agent], passengers: passengers,
                                      phone: "+4915123456789", notificationPreferences: .emailOnly, createdAt: now, updatedAt: now)
        try assertValid("customer.get.v2.response", [profile])
        try assertValid("customer.get.v1", [GetCustomerV1(customerId: customer)])
        try assertValid("customer.get.v1.response", [CustomerProfileV1(profile)])
        try assertValid("subscription.list.v1", [ListSubscriptions(customerId: customer)])
        try assertValid("device.list.v1", [ListDevices(customerId: customer)])
        try assertValid("device.list.v1.response", [DeviceList(customerId: customer, devices: [.init(deviceId: UUID(), platform: .android,
                                                                                                          registeredAt: now)])])
        try assertValid("subscription.list.v1.response", [
            SubscriptionList(customerId: customer, subscriptions: []),
            SubscriptionList(customerId: customer, subscriptions: [.init(subscriptionId: UUID(), flightId: UUID(), createdAt: now)]),
        ])
    }

    /// A client in another language learns from the schemas alone what is refused.
    func testTheSchemasRefuseBrokenMessages() throws {
        let register = #"{"customerId":"not-a-uuid","email":"zoe","password":"correct horse battery","name":"","role":"pilot"}"#
        var result = try validate("customer.register.v1", [Data(register.utf8)])
        XCTAssertEqual(result.status, 1)
        for fault in ["'passwordHash' is a required property", "$.customerId", "$.email", "$.name", "$.role",
                      "Additional properties are not allowed ('password' was unexpected)"] {
            XCTAssertTrue(result.output.contains(fault), "\(fault) in \(result.output)")
        }
        let update = #"{"customerId":"5f0c2f8e-2d0e-4f5b-9a3e-1b1a7c0d9e21","passengers":[{"passengerId":"a3c1e2d4-5b6f-4a7b-8c9d-0e1f2a3b4c5d","firstName":"Li","lastName":"Wei","dateOfBirth":"1899-12-31"}]}"#
        result = try validate("customer.update.v1", [Data(update.utf8)])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.output.contains("$.passengers[0].dateOfBirth"), result.output)
        result = try validate("customer.update.v1", [Data(#"{"customerId":"5f0c2f8e-2d0e-4f5b-9a3e-1b1a7c0d9e21"}"#.utf8)])
        XCTAssertEqual(result.status, 1, "an update that changes nothing")
        let contact = #"{"customerId":"5f0c2f8e-2d0e-4f5b-9a3e-1b1a7c0d9e21","phone":"004915123456789","notificationPreferences":{"reminders":["email","fax"]}}"#
        result = try validate("customer.update.v2", [Data(contact.utf8)])
        XCTAssertEqual(result.status, 1)
        for fault in ["$.phone", "$.notificationPreferences.reminders[1]"] {
            XCTAssertTrue(result.output.contains(fault), "\(fault) in \(result.output)")
        }
        result = try validate("customer.update.v2", [Data(#"{"customerId":"5f0c2f8e-2d0e-4f5b-9a3e-1b1a7c0d9e21","notificationPreferences":{}}"#.utf8)])
        XCTAssertEqual(result.status, 1, "a preferences change that names no kind")
    }
}
