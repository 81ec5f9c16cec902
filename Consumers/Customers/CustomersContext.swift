import Contracts
import Fleet
import Foundation
import Logging
import Passwords
import Postgres

/// The customers bounded context: registration, login, roles, profiles with saved passengers,
/// phone numbers and notification preferences, push devices, and subscriptions to flight updates.
///
/// Passwords: only bcrypt hashes arrive (in `customer.register.v2`) and are stored; a login's
/// password lives in memory for the time of one `customer.login.v1` query. Neither is logged,
/// emitted or written in a dead letter's reason.
public enum CustomersContext {
    public static let name = "customers"

    /// - Parameter bcryptCost: the cost of the hash an unknown email's login is verified against,
    ///   so its answer takes as long as a wrong password's. Use the cost the ingress hashes with
    ///   (`AIRFLEET_BCRYPT_COST`, read by `PasswordHashing.cost(reading:)`); tests use 4.
    public static func definition(bcryptCost: Int = PasswordHashing.defaultCost) -> ContextDefinition {
        precondition(PasswordHashing.costRange.contains(bcryptCost), "bcrypt cost must be from 4 to 31, not \(bcryptCost)")
        var registry = HandlerRegistry(context: name)
        registry.handle(RegisterCustomer.self, RegisterCustomerHandler.handle)
        registry.handle(UpdateCustomer.self, UpdateCustomerHandler.handle)
        registry.handle(CreateSubscription.self, CreateSubscriptionHandler.handle)
        registry.handle(DeleteSubscription.self, DeleteSubscriptionHandler.handle)
        registry.handle(RegisterDevice.self, DeviceHandlers.register)
        registry.handle(UnregisterDevice.self, DeviceHandlers.unregister)
        registry.answer(ListDevices.self, ListDevicesAnswer.answer)
        registry.answer(CustomerLogin.self, LoginAnswer(dummy: DummyHash(cost: bcryptCost)).answer)
        registry.answer(GetCustomer.self, GetCustomerAnswer.answer)
        registry.answer(GetCustomerV1.self, GetCustomerAnswer.answerV1)
        registry.answer(ListSubscriptions.self, ListSubscriptionsAnswer.answer)
        return ContextDefinition(registry: registry, migrations: migrations)
    }

    /// The context's SQL migrations, from the target's resources.
    static let migrations = Migration.shipped(in: .module, by: "Customers")

    // MARK: The first admin

    /// What `ensureAdmin` found or did.
    public enum AdminOutcome: Equatable, Sendable {
        case created(customerId: UUID)
        /// A customer with the email exists and was left as it is (whatever its roles).
        case alreadyPresent(customerId: UUID, roles: [CustomerRole])
    }

    /// Creates the first admin when no customer has `email`; leaves an existing one alone (its
    /// password and roles unchanged). Idempotent, and safe when several processes start at once.
    ///
    /// Migrates the context's schema first, so it can run before any consumer did. The admin is
    /// written straight to the table, outside the runtime, so no `customer.registered.v2` is
    /// emitted for it. `password` must pass `PasswordPolicy` (checked only when creating).
    ///
    /// - Parameters:
    ///   - database: any connection to the fleet's database (not inside a transaction).
    ///   - schema: the context's schema, `configuration.schema(for: "customers")`.
    @discardableResult
    public static func ensureAdmin(email: String, password: String, name: String = "Administrator",
                                   database: PostgresConnection, schema: String,
                                   cost: Int = PasswordHashing.defaultCost, logger: Logger) throws -> AdminOutcome {
        let email = try CustomerRules.checkEmail(email, field: "AIRFLEET_ADMIN_EMAIL")
        let name = try CustomerRules.checkName(name, field: "name")
        try definition(bcryptCost: PasswordHashing.costRange.contains(cost) ? cost : PasswordHashing.defaultCost)
            .migrate(schema: schema, on: database, logger: logger)
        let table = "\"\(schema.replacingOccurrences(of: "\"", with: "\"\""))\".customers"

        func existing() throws -> AdminOutcome? {
            guard let row = try database.query("SELECT customer_id, roles FROM \(table) WHERE lower(email) = $1", email).first else { return nil }
            return .alreadyPresent(customerId: try row.decode(UUID.self, column: "customer_id"), roles: try CustomerStore.roles(row.decode([String].self, column: "roles")))
        }

        if let found = try existing() {
            if case .alreadyPresent(let id, let roles) = found, !roles.contains(.admin) {
                logger.warning("the admin email belongs to a customer who is not an admin; left as it is",
                               metadata: ["customer_id": "\(id.text)"])
            }
            return found
        }
        try checkAdminPassword(password, email: email)
        let hash = try PasswordHashing.hashUnchecked(password, cost: cost)
        let customerId = UUID()
        let now = Date()
        let inserted = try database.query("""
            INSERT INTO \(table) (customer_id, email, name, password_hash, roles, created_at, updated_at)
            VALUES ($1, $2, $3, $4, ARRAY['admin'], $5, $5)
            ON CONFLICT DO NOTHING
            RETURNING customer_id
            """, customerId, email, name, hash, now)
        guard inserted.first != nil else {
            // Another process created it between the look and the insert.
            guard let found = try existing() else { throw FleetError("could not create the first admin: a conflicting row vanished") }
            return found
        }
        logger.notice("created the first admin", metadata: ["customer_id": "\(customerId.text)"])
        return .created(customerId: customerId)
    }

    /// The first admin's settings checked as `ensureAdmin` will check them, without a database:
    /// the email, and the password rules when a password is set. Operators run it before
    /// starting anything (`airfleet config check`), so a password the rules refuse is named then
    /// rather than found in a customers process that keeps exiting.
    public static func checkAdminSettings(_ settings: SettingsReader) throws {
        let email = try CustomerRules.checkEmail(adminEmail(settings), field: "AIRFLEET_ADMIN_EMAIL")
        guard let password = adminPassword(settings) else { return }
        try checkAdminPassword(password, email: email)
    }

    private static func adminEmail(_ settings: SettingsReader) -> String {
        settings.string("AIRFLEET_ADMIN_EMAIL", default: "admin@airfleet.local")
    }

    private static func adminPassword(_ settings: SettingsReader) -> String? {
        settings.string("AIRFLEET_ADMIN_PASSWORD", secret: true)
    }

    private static func checkAdminPassword(_ password: String, email: String) throws {
        do {
            try PasswordPolicy.check(password, email: email)
        } catch let error as ValidationError {
            throw ConfigurationError("AIRFLEET_ADMIN_PASSWORD \(error.reason)")
        }
    }

    /// `ensureAdmin` from the shared settings: `AIRFLEET_ADMIN_EMAIL` (default
    /// `admin@airfleet.local`), `AIRFLEET_ADMIN_PASSWORD` and `AIRFLEET_BCRYPT_COST`. Without a
    /// password it creates nothing and returns nil (an admin may exist already); the database
    /// and schema come from the fleet's configuration.
    @discardableResult
    public static func ensureAdmin(configuration: FleetConfiguration,
                                   settings: SettingsReader,
                                   logger: Logger) throws -> AdminOutcome? {
        let email = adminEmail(settings)
        guard let password = adminPassword(settings) else {
            logger.notice("AIRFLEET_ADMIN_PASSWORD is not set; no first admin is created")
            return nil
        }
        let connection = try PostgresConnection(try configuration.database(for: name), logger: logger)
        defer { connection.close() }
        return try ensureAdmin(email: email, password: password, database: connection,
                               schema: configuration.schema(for: name),
                               cost: try PasswordHashing.cost(reading: settings), logger: logger)
    }
}

extension UUID {
    /// Lower-case, as ids are written in logs, subjects and reasons across the fleet.
    var text: String { lowercasedString }
}
