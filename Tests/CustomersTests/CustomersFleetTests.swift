import AMQP
import Contracts
import Customers
import Fleet
import FleetTestSupport
import Foundation
import Logging
import Passwords
import Postgres
import XCTest

/// The customers context on the real broker and database: commands through the runtime, events
/// as a follower sees them, queries over direct reply-to.
final class CustomersFleetTests: XCTestCase {
    var fleet: TestFleet!
    var tap: EventTap!
    var services: [ServiceThread] = []
    static let cost = 4

    override func setUpWithError() throws {
        fleet = try TestFleet(contexts: [CustomersContext.definition(bcryptCost: Self.cost)])
        tap = try EventTap(fleet)
    }

    override func tearDown() {
        for service in services { service.stop() }
        tap?.close()
        fleet?.tearDown()
    }

    // MARK: Helpers

    private func start() throws { _ = try fleet.start(CustomersContext.definition(bcryptCost: Self.cost)) }

    private func client(logger: Logger? = nil) throws -> QueryClient {
        try QueryClient(amqp: fleet.configuration.amqp, source: "airfleet/tests", logger: logger ?? fleet.logger)
    }

    private var table: String { "\(fleet.schema("customers")).customers" }

    private func count(_ sql: String, _ parameters: (any PostgresEncodable)?...) throws -> Int {
        try fleet.database().query(sql, parameters).first?.decode(Int.self, at: 0) ?? 0
    }

    /// What the ingress does: check the policy, hash, publish the hash.
    private func registration(_ email: String, _ password: String, name: String = "Zoë Ångström", role: CustomerRole? = nil,
                              id: UUID = UUID()) throws -> RegisterCustomer {
        RegisterCustomer(customerId: id, email: email, passwordHash: try PasswordHashing.hash(password, email: email, cost: Self.cost),
                         name: name, role: role)
    }

    private func publish<C: Command>(_ command: C, with publisher: Publisher? = nil) throws {
        let receipt = try (publisher ?? fleet.publisher()).publish(command)
        XCTAssertEqual(receipt.outcome, .delivered)
    }

    private func waitUntilIdle() throws {
        try fleet.eventually("the customers queue is empty and nothing is unacknowledged") {
            try fleet.totalMessages("airfleet.customers") == 0
        }
    }

    private func deadLetters(count: Int) throws -> [AMQPDelivery] {
        try fleet.eventually("\(count) dead letter(s)", timeout: .seconds(20)) {
            try fleet.queueState("airfleet.customers.dlq").messageCount >= count
        }
        return try fleet.drain("airfleet.customers.dlq")
    }

    // MARK: Registration and login

    func testRegisterThenLoginReturnsTheIdentity() throws {
        try start()
        let command = try registration("  Zoe.Angstrom@Example.com ", "correct horse battery", name: "  Zoë Ångström ")
        try publish(command)

        let registered = try XCTUnwrap(tap.wait(for: CustomerRegistered.self, in: fleet).first)
        XCTAssertEqual(registered.customerId, command.customerId)
        XCTAssertEqual(registered.email, "zoe.angstrom@example.com", "stored lower-cased and trimmed")
        XCTAssertEqual(registered.name, "Zoë Ångström", "trimmed")
        XCTAssertEqual(registered.roles, [.customer])

        let client = try client()
        let identity = try client.ask(CustomerLogin(email: "ZOE.ANGSTROM@example.com", password: "correct horse battery"))
        XCTAssertEqual(identity, CustomerIdentity(customerId: command.customerId, email: "zoe.angstrom@example.com",
                                                  name: "Zoë Ångström", roles: [.customer]))
        XCTAssertEqual(try count("SELECT count(*) FROM \(table) WHERE password_hash = $1", command.passwordHash), 1,
                       "the hash is stored as published")
    }

    func testAWrongPasswordAndAnUnknownEmailGetTheSameAnswer() throws {
        try start()
        try publish(try registration("zoe@example.com", "correct horse battery"))
        _ = try tap.wait(for: CustomerRegistered.self, in: fleet)

        let client = try client()
        func refusal(_ email: String, _ password: String) -> QueryError? {
            do {
                _ = try client.ask(CustomerLogin(email: email, password: password))
                XCTFail("\(email) logged in with a wrong password")
                return nil
            } catch {
                return error as? QueryError
            }
        }
        let expected = QueryError(kind: .unauthorized, message: "email or password is wrong")
        XCTAssertEqual(refusal("zoe@example.com", "correct horse batterY"), expected)
        XCTAssertEqual(refusal("nobody@example.com", "correct horse battery"), expected)
        XCTAssertEqual(refusal("zoe@example.com", "correct horse battery" + String(repeating: "!", count: 60)), expected,
                       "longer than bcrypt reads: never a match")
        XCTAssertEqual(refusal("not an email", "x"), expected)
        // And the right one still works after all that.
        XCTAssertEqual(try client.ask(CustomerLogin(email: "zoe@example.com", password: "correct horse battery")).email, "zoe@example.com")
    }

    func testADuplicateEmailUnderAnotherIdIsRejectedWithAnEventAndMakesNoSecondCustomer() throws {
        try start()
        let first = try registration("zoe@example.com", "correct horse battery")
        try publish(first)
        _ = try tap.wait(for: CustomerRegistered.self, in: fleet)

        let second = try registration("ZOE@example.com", "another horse 99", name: "Impostor")
        try publish(second)
        let rejected = try XCTUnwrap(tap.wait(for: CustomerRegistrationRejected.self, in: fleet).first)
        XCTAssertEqual(rejected, CustomerRegistrationRejected(customerId: second.customerId, email: "zoe@example.com", reason: .emailTaken,
                                                              message: "a customer with this email is already registered"))
        try waitUntilIdle()
        XCTAssertEqual(try count("SELECT count(*) FROM \(table)"), 1)
        XCTAssertEqual(try tap.events(CustomerRegistered.self).count, 1, "no registered event for the refused one")
        XCTAssertEqual(try fleet.queueState("airfleet.customers.dlq").messageCount, 0, "a user's conflict is no dead letter")
        let identity = try client().ask(CustomerLogin(email: "zoe@example.com", password: "correct horse battery"))
        XCTAssertEqual(identity.customerId, first.customerId)
        XCTAssertEqual(identity.name, "Zoë Ångström")
    }

    func testTheSameRegistrationTwiceMakesOneCustomer() throws {
        let command = try registration("zoe@example.com", "correct horse battery")
        let copy = try OutgoingMessage.make(command, source: "airfleet/tests")
        let publisher = try fleet.publisher()
        // A redelivered message (same id, twice), and a retried request (same command, a new message id).
        _ = try publisher.publish([copy, copy])
        try publish(command, with: publisher)
        try start()

        let events = try tap.wait(for: CustomerRegistered.self, count: 2, in: fleet)
        try waitUntilIdle()
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(try count("SELECT count(*) FROM \(table)"), 1)
        XCTAssertEqual(try tap.events(CustomerRegistered.self).count, 2, "one per message id: the copy meets the inbox")
        XCTAssertEqual(Set(events.map(\.customerId)), [command.customerId])
        XCTAssertEqual(Set(events.map(\.registeredAt)).count, 1, "the repeat tells the first registration again")
        XCTAssertEqual(try tap.events(CustomerRegistrationRejected.self).count, 0)
    }

    func testAnOperatorMayRegisterStaffRolesAndAReusedIdIsAPermanentError() throws {
        try start()
        let agent = try registration("desk@airfleet.example", "Front-counter-2026", name: "Desk Agent", role: .agent)
        try publish(agent)
        _ = try tap.wait(for: CustomerRegistered.self, in: fleet)
        XCTAssertEqual(try client().ask(CustomerLogin(email: "desk@airfleet.example", password: "Front-counter-2026")).roles, [.agent])

        try publish(try registration("other@example.com", "correct horse battery", id: agent.customerId))
        let letter = try XCTUnwrap(deadLetters(count: 1).first)
        XCTAssertEqual(letter.properties.headers[FailureHeaders.errorKind]?.stringValue, "rejected")
        XCTAssertEqual(letter.properties.headers[FailureHeaders.error]?.stringValue,
                       "customerId \(agent.customerId.lowercasedString) already belongs to a customer with another email; choose a new UUID for each registration")
        XCTAssertEqual(try count("SELECT count(*) FROM \(table)"), 1)
    }

    func testAPlainPasswordInPlaceOfTheHashIsDeadLetteredWithoutRepeatingIt() throws {
        try start()
        let plain = RegisterCustomer(customerId: UUID(), email: "zoe@example.com", passwordHash: "correct horse battery", name: "Zoë")
        try publish(plain)
        let letter = try XCTUnwrap(deadLetters(count: 1).first)
        let headers = letter.properties.headers
        XCTAssertEqual(headers[FailureHeaders.errorKind]?.stringValue, "invalid")
        let reason = try XCTUnwrap(headers[FailureHeaders.error]?.stringValue)
        XCTAssertTrue(reason.hasPrefix("passwordHash: must be a bcrypt hash"), reason)
        XCTAssertFalse(reason.contains("correct horse"), reason)
        XCTAssertEqual(try count("SELECT count(*) FROM \(table)"), 0)
    }

    // MARK: Profile

    func testProfileUpdateAndGet() throws {
        try start()
        let command = try registration("zoe@example.com", "correct horse battery")
        try publish(command)
        _ = try tap.wait(for: CustomerRegistered.self, in: fleet)
        let id = command.customerId
        let client = try client()
        let before = try client.ask(GetCustomer(customerId: id))
        XCTAssertEqual(before.passengers, [])
        XCTAssertEqual(before.email, "zoe@example.com")

        let passengers = [
            SavedPassenger(passengerId: UUID(), firstName: " Zoë ", lastName: "Ångström", dateOfBirth: "1984-03-07", loyaltyNumber: "AF123456789"),
            SavedPassenger(passengerId: UUID(), firstName: "Li", lastName: "Wei", dateOfBirth: "2015-02-28"),
        ]
        try publish(UpdateCustomer(customerId: id, name: "Zoë Å. Ångström", passengers: passengers))
        let updated = try XCTUnwrap(tap.wait(for: CustomerUpdated.self, in: fleet).first)
        XCTAssertEqual(updated.name, "Zoë Å. Ångström")
        XCTAssertEqual(updated.passengers, passengers.map(\.normalized))
        XCTAssertEqual(updated.passengers[0].firstName, "Zoë")

        let profile = try client.ask(GetCustomer(customerId: id))
        XCTAssertEqual(profile.name, "Zoë Å. Ångström")
        XCTAssertEqual(profile.passengers, passengers.map(\.normalized), "in the order given")
        XCTAssertEqual(profile.roles, [.customer])
        XCTAssertGreaterThan(profile.updatedAt, profile.createdAt)

        // The name alone leaves the passengers; an empty list clears them, leaving the name.
        try publish(UpdateCustomer(customerId: id, name: "Zoë"))
        _ = try tap.wait(for: CustomerUpdated.self, count: 2, in: fleet)
        XCTAssertEqual(try client.ask(GetCustomer(customerId: id)).passengers.count, 2)
        try publish(UpdateCustomer(customerId: id, passengers: [passengers[1]]))
        _ = try tap.wait(for: CustomerUpdated.self, count: 3, in: fleet)
        let last = try client.ask(GetCustomer(customerId: id))
        XCTAssertEqual(last.name, "Zoë")
        XCTAssertEqual(last.passengers, [passengers[1]])

        XCTAssertThrowsError(try client.ask(GetCustomer(customerId: UUID()))) { error in
            XCTAssertEqual((error as? QueryError)?.kind, .notFound)
        }
    }

    func testPhoneAndNotificationPreferencesAreKeptChangedKindByKindAndRemoved() throws {
        try start()
        var command = try registration("li@example.com", "correct horse battery", name: "Li Wei")
        command.phone = "+8613812345678"
        command.notificationPreferences = NotificationPreferences(confirmations: [.email], reminders: [.email, .sms], flightChanges: [.push])
        try publish(command)
        let registered = try XCTUnwrap(tap.wait(for: CustomerRegistered.self, in: fleet).first)
        XCTAssertEqual(registered.phone, "+8613812345678")
        XCTAssertEqual(registered.notificationPreferences, command.notificationPreferences)
        let id = command.customerId
        let client = try client()

        // Only the kinds named change; the phone stays.
        try publish(UpdateCustomer(customerId: id, notificationPreferences: NotificationPreferencesChange(flightChanges: [.email, .sms])))
        let changed = try XCTUnwrap(tap.wait(for: CustomerUpdated.self, in: fleet).first)
        XCTAssertEqual(changed.notificationPreferences, NotificationPreferences(confirmations: [.email], reminders: [.email, .sms], flightChanges: [.email, .sms]))
        XCTAssertEqual(changed.phone, "+8613812345678")
        XCTAssertEqual(try client.ask(GetCustomer(customerId: id)).notificationPreferences, changed.notificationPreferences)

        // The empty string removes the number; v1's answer has neither field.
        try publish(UpdateCustomer(customerId: id, phone: ""))
        let removed = try XCTUnwrap(tap.wait(for: CustomerUpdated.self, count: 2, in: fleet).last)
        XCTAssertNil(removed.phone)
        let profile = try client.ask(GetCustomer(customerId: id))
        XCTAssertNil(profile.phone)
        XCTAssertEqual(try client.ask(GetCustomerV1(customerId: id)), CustomerProfileV1(profile))

        // A customer registered without preferences hears everything by email.
        let plain = try registration("zoe@example.com", "correct horse battery")
        try publish(plain)
        let plainRegistered = try XCTUnwrap(tap.wait(for: CustomerRegistered.self, count: 2, in: fleet).last)
        XCTAssertEqual(plainRegistered.notificationPreferences, .emailOnly)
        XCTAssertNil(plainRegistered.phone)
    }

    /// A publisher that still speaks v1, written in Python: its commands are handled as v2, and
    /// what it did not know of is left as it was.
    func testV1CommandsPublishedWithPikaAreUpcastAndLeaveWhatV2AddedAlone() throws {
        try start()
        let id = UUID()
        try PikaPublisher.publish([PikaPublisher.document("customer.register.v1", data: """
            {"customerId":"\(id.lowercasedString)","email":"Ana@Example.com","passwordHash":"\(Bcrypt4.hash)","name":"Ana"}
            """, subject: id.lowercasedString)], fleet: fleet)
        let registered = try XCTUnwrap(tap.wait(for: CustomerRegistered.self, in: fleet).first)
        XCTAssertEqual(registered.customerId, id)
        XCTAssertEqual(registered.email, "ana@example.com")
        XCTAssertEqual(registered.notificationPreferences, .emailOnly)
        XCTAssertNil(registered.phone)

        try publish(UpdateCustomer(customerId: id, phone: "+4915123456789",
                                   notificationPreferences: NotificationPreferencesChange(reminders: [.sms])))
        _ = try tap.wait(for: CustomerUpdated.self, in: fleet)
        try PikaPublisher.publish([PikaPublisher.document("customer.update.v1", data: """
            {"customerId":"\(id.lowercasedString)","name":"Ana Lima"}
            """)], fleet: fleet)
        let updated = try XCTUnwrap(tap.wait(for: CustomerUpdated.self, count: 2, in: fleet).last)
        XCTAssertEqual(updated.name, "Ana Lima")
        XCTAssertEqual(updated.phone, "+4915123456789", "a v1 update knows nothing of the phone and leaves it")
        XCTAssertEqual(updated.notificationPreferences.reminders, [.sms])

        // A v1 message that breaks its own contract is dead-lettered naming the field, as a v2 one would be.
        try PikaPublisher.publish([PikaPublisher.document("customer.update.v1", data: """
            {"customerId":"\(id.lowercasedString)","name":""}
            """)], fleet: fleet)
        let letter = try XCTUnwrap(deadLetters(count: 1).first)
        XCTAssertEqual(letter.properties.headers[FailureHeaders.errorKind]?.stringValue, "invalid")
        XCTAssertEqual(letter.properties.headers[FailureHeaders.error]?.stringValue, "name: must not be empty")
        XCTAssertEqual(letter.properties.type, "customer.update.v1", "dead-lettered as it came")
    }

    func testDevicesAreRegisteredReplacedListedUnregisteredAndCapped() throws {
        try start()
        let command = try registration("li@example.com", "correct horse battery")
        try publish(command)
        _ = try tap.wait(for: CustomerRegistered.self, in: fleet)
        let id = command.customerId, phone = UUID()
        let client = try client()

        try publish(RegisterDevice(customerId: id, deviceId: phone, token: "apns-1", platform: .ios))
        try publish(RegisterDevice(customerId: id, deviceId: phone, token: "apns-2", platform: .ios))
        let registered = try tap.wait(for: DeviceRegistered.self, count: 2, in: fleet)
        XCTAssertEqual(registered.map(\.token), ["apns-1", "apns-2"])
        let listed = try client.ask(ListDevices(customerId: id))
        XCTAssertEqual(listed.devices.map(\.deviceId), [phone], "the same device id again replaces its token")
        XCTAssertEqual(try count("SELECT count(*) FROM \(fleet.schema("customers")).devices WHERE token = 'apns-2'"), 1)

        try publish(UnregisterDevice(customerId: id, deviceId: phone))
        try publish(UnregisterDevice(customerId: id, deviceId: phone))
        _ = try tap.wait(for: DeviceUnregistered.self, in: fleet)
        try waitUntilIdle()
        XCTAssertEqual(try tap.events(DeviceUnregistered.self).count, 1, "nothing to say the second time")
        XCTAssertEqual(try client.ask(ListDevices(customerId: id)).devices, [])

        for index in 0..<RegisterDevice.maximumPerCustomer {
            try publish(RegisterDevice(customerId: id, deviceId: UUID(), token: "fcm-\(index)", platform: .android))
        }
        try publish(RegisterDevice(customerId: id, deviceId: UUID(), token: "fcm-one-too-many", platform: .android))
        let letter = try XCTUnwrap(deadLetters(count: 1).first)
        XCTAssertEqual(letter.properties.headers[FailureHeaders.errorKind]?.stringValue, "rejected")
        XCTAssertTrue(letter.properties.headers[FailureHeaders.error]?.stringValue?.contains("has 10 devices already") ?? false)
        XCTAssertEqual(try client.ask(ListDevices(customerId: id)).devices.count, RegisterDevice.maximumPerCustomer)
    }

    func testAFutureDateOfBirthIsDeadLetteredAsInvalidNamingTheField() throws {
        try start()
        let command = try registration("zoe@example.com", "correct horse battery")
        try publish(command)
        _ = try tap.wait(for: CustomerRegistered.self, in: fleet)

        let tomorrowAndMore = FleetJSON.formatTimestamp(Date().addingTimeInterval(3 * 86_400)).prefix(10)
        try publish(UpdateCustomer(customerId: command.customerId, passengers: [
            SavedPassenger(passengerId: UUID(), firstName: "Li", lastName: "Wei", dateOfBirth: "2015-02-28"),
            SavedPassenger(passengerId: UUID(), firstName: "Not", lastName: "Born", dateOfBirth: String(tomorrowAndMore)),
        ]))
        let letter = try XCTUnwrap(deadLetters(count: 1).first)
        XCTAssertEqual(letter.properties.headers[FailureHeaders.errorKind]?.stringValue, "invalid")
        XCTAssertEqual(letter.properties.headers[FailureHeaders.error]?.stringValue, "passengers[1].dateOfBirth: must not be in the future")
        XCTAssertEqual(letter.properties.headers[FailureHeaders.attempts]?.intValue, 1, "at once, no retries")
        XCTAssertEqual(try client().ask(GetCustomer(customerId: command.customerId)).passengers, [], "nothing of it was saved")
        XCTAssertEqual(try tap.events(CustomerUpdated.self).count, 0)
    }

    func testAnUpdateOfACustomerNotRegisteredIsRetriedThenDeadLettered() throws {
        try start()
        try publish(UpdateCustomer(customerId: UUID(), name: "Ghost"))
        let letter = try XCTUnwrap(deadLetters(count: 1).first)
        XCTAssertEqual(letter.properties.headers[FailureHeaders.errorKind]?.stringValue, "retries-exhausted")
        XCTAssertTrue(letter.properties.headers[FailureHeaders.error]?.stringValue?.hasSuffix("is not registered (yet)") ?? false)
        XCTAssertEqual(letter.properties.headers[FailureHeaders.attempts]?.intValue, 3)
    }

    // MARK: Subscriptions

    func testSubscriptionsAreCreatedOncePerFlightListedAndDeleted() throws {
        try start()
        let command = try registration("zoe@example.com", "correct horse battery")
        try publish(command)
        _ = try tap.wait(for: CustomerRegistered.self, in: fleet)
        let customer = command.customerId
        let first = UUID(), second = UUID()

        let subscribe = CreateSubscription(subscriptionId: UUID(), customerId: customer, flightId: first)
        try publish(subscribe)
        try publish(CreateSubscription(subscriptionId: UUID(), customerId: customer, flightId: first))
        let created = try tap.wait(for: SubscriptionCreated.self, count: 2, in: fleet)
        XCTAssertEqual(created.map(\.subscriptionId), [subscribe.subscriptionId, subscribe.subscriptionId], "the second tells the first again")
        XCTAssertEqual(created[0].email, "zoe@example.com")
        XCTAssertEqual(created[0].flightId, first)

        let other = CreateSubscription(subscriptionId: UUID(), customerId: customer, flightId: second)
        try publish(other)
        _ = try tap.wait(for: SubscriptionCreated.self, count: 3, in: fleet)
        let client = try client()
        let list = try client.ask(ListSubscriptions(customerId: customer))
        XCTAssertEqual(list.customerId, customer)
        XCTAssertEqual(list.subscriptions.map(\.subscriptionId), [subscribe.subscriptionId, other.subscriptionId])
        XCTAssertEqual(list.subscriptions.map(\.flightId), [first, second])

        try publish(DeleteSubscription(customerId: customer, flightId: first))
        let deleted = try XCTUnwrap(tap.wait(for: SubscriptionDeleted.self, in: fleet).first)
        XCTAssertEqual(deleted, SubscriptionDeleted(subscriptionId: subscribe.subscriptionId, customerId: customer, flightId: first))
        XCTAssertEqual(try client.ask(ListSubscriptions(customerId: customer)).subscriptions.map(\.flightId), [second])

        // Deleting again changes nothing and tells nothing.
        try publish(DeleteSubscription(customerId: customer, flightId: first))
        try waitUntilIdle()
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(try tap.events(SubscriptionDeleted.self).count, 1)
        XCTAssertEqual(try client.ask(ListSubscriptions(customerId: UUID())).subscriptions, [], "an unknown customer follows nothing")
        XCTAssertEqual(try count("SELECT count(*) FROM \(fleet.schema("customers")).subscriptions"), 1)
    }

    // MARK: The first admin

    func testEnsureAdminTwiceMakesOneAdminWhoCanLogIn() throws {
        let database = try fleet.database()
        let schema = fleet.configuration.schema(for: "customers")
        let logger = fleet.logger
        let first = try CustomersContext.ensureAdmin(email: "Admin@Airfleet.local", password: "Fleet-keeper-2026", database: database,
                                                     schema: schema, cost: Self.cost, logger: logger)
        guard case .created(let adminId) = first else { return XCTFail("expected created, got \(first)") }
        let again = try CustomersContext.ensureAdmin(email: "admin@airfleet.local", password: "A-different-one-2026", database: database,
                                                     schema: schema, cost: Self.cost, logger: logger)
        XCTAssertEqual(again, .alreadyPresent(customerId: adminId, roles: [.admin]))
        let fromEnvironment = try CustomersContext.ensureAdmin(
            configuration: fleet.configuration,
            settings: SettingsReader(environment: ["AIRFLEET_ADMIN_PASSWORD": "Fleet-keeper-2026", "AIRFLEET_BCRYPT_COST": "4"]),
            logger: logger)
        XCTAssertEqual(fromEnvironment, .alreadyPresent(customerId: adminId, roles: [.admin]), "admin@airfleet.local is the default")
        XCTAssertNil(try CustomersContext.ensureAdmin(configuration: fleet.configuration, settings: SettingsReader(environment: [:]),
                                                  logger: logger),
                     "no password, nothing to create")
        XCTAssertEqual(try count("SELECT count(*) FROM \(table)"), 1)

        XCTAssertThrowsError(try CustomersContext.ensureAdmin(email: "root@airfleet.local", password: "admin", database: database,
                                                              schema: schema, cost: Self.cost, logger: logger)) { error in
            XCTAssertEqual("\(error)", "AIRFLEET_ADMIN_PASSWORD must be at least 10 characters (rule min-length)")
        }
        XCTAssertEqual(try count("SELECT count(*) FROM \(table)"), 1)

        try start()
        let client = try client()
        XCTAssertEqual(try client.ask(CustomerLogin(email: "admin@airfleet.local", password: "Fleet-keeper-2026")),
                       CustomerIdentity(customerId: adminId, email: "admin@airfleet.local", name: "Administrator", roles: [.admin]))
        XCTAssertThrowsError(try client.ask(CustomerLogin(email: "admin@airfleet.local", password: "A-different-one-2026")),
                             "the second call did not change the password")
    }

    // MARK: Secrets in logs

    func testNoPasswordOrHashAppearsInTheLogs() throws {
        let capture = LogCapture()
        services.append(try ServiceThread(CustomersContext.definition(bcryptCost: Self.cost), fleet: fleet, logger: capture.logger("customers")))
        let publisher = try Publisher(amqp: fleet.configuration.amqp, topology: fleet.topology, source: "airfleet/tests",
                                      logger: capture.logger("publisher"))
        let client = try client(logger: capture.logger("client"))
        let password = "Secret-horse-7391"
        let command = try registration("zoe@example.com", password)
        try publish(command, with: publisher)
        _ = try tap.wait(for: CustomerRegistered.self, in: fleet)
        _ = try client.ask(CustomerLogin(email: "zoe@example.com", password: password))
        XCTAssertThrowsError(try client.ask(CustomerLogin(email: "zoe@example.com", password: "Wrong-horse-1111")))
        XCTAssertThrowsError(try client.ask(CustomerLogin(email: "nobody@example.com", password: "Unknown-horse-2222")))
        try publish(try registration("ZOE@example.com", "Other-horse-3333"), with: publisher)
        _ = try tap.wait(for: CustomerRegistrationRejected.self, in: fleet)
        try publish(RegisterCustomer(customerId: UUID(), email: "ana@example.com", passwordHash: "Plain-horse-4444", name: "Ana"), with: publisher)
        _ = try deadLetters(count: 1)
        try publish(UpdateCustomer(customerId: command.customerId, name: "Zoë"), with: publisher)
        _ = try tap.wait(for: CustomerUpdated.self, in: fleet)

        let logs = capture.text
        XCTAssertTrue(logs.contains("customer registered"), "the run logged nothing: \(logs)")
        XCTAssertTrue(logs.contains("message dead-lettered"), logs)
        XCTAssertTrue(logs.contains("registration rejected: email taken"), logs)
        for secret in [password, "Wrong-horse-1111", "Unknown-horse-2222", "Other-horse-3333", "Plain-horse-4444",
                       command.passwordHash, String(command.passwordHash.suffix(31)), "$2b$04$"] {
            XCTAssertFalse(logs.contains(secret), "\(secret) appears in the logs")
        }
    }
}
