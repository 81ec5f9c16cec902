import Contracts
import Fleet
import Foundation
import Passwords
import Postgres

/// `customer.login.v1`: the identity behind an email and password, or `unauthorized`.
struct LoginAnswer: Sendable {
    let dummy: DummyHash

    static let unauthorized = QueryError(kind: .unauthorized, message: "email or password is wrong")

    func answer(_ envelope: Envelope<CustomerLogin>, _ context: QueryContext) throws -> CustomerIdentity {
        let query = envelope.data
        let email = CustomerRules.normalizedEmail(query.email)
        // No account's email holds a NUL (registration refuses control characters), and PostgreSQL
        // text cannot carry one: such an email is unknown, not a reason to fail the query.
        let row = email.unicodeScalars.contains("\u{0}") ? nil : try context.database.query(
            "SELECT customer_id, email, name, roles, password_hash FROM customers WHERE lower(email) = $1", email).first
        guard let row else {
            // As much work as a wrong password, so the time taken does not tell which it was.
            _ = PasswordHashing.verify(query.password, hash: dummy.value)
            throw Self.unauthorized
        }
        guard PasswordHashing.verify(query.password, hash: try row.decode(String.self, column: "password_hash")) else {
            throw Self.unauthorized
        }
        let identity = CustomerIdentity(
            customerId: try row.decode(UUID.self, column: "customer_id"), email: try row.decode(String.self, column: "email"),
            name: try row.decode(String.self, column: "name"), roles: try CustomerStore.roles(row.decode([String].self, column: "roles")))
        context.logger.debug("login verified", metadata: ["customer_id": "\(identity.customerId.text)"])
        return identity
    }
}

/// `customer.get.v2`, and `customer.get.v1` answered with the same profile less what v2 added.
enum GetCustomerAnswer {
    static func answer(_ envelope: Envelope<GetCustomer>, _ context: QueryContext) throws -> CustomerProfile {
        let customerId = envelope.data.customerId
        guard let row = try context.database.query(
            "SELECT email, name, roles, created_at, updated_at, \(CustomerStore.contactColumns) FROM customers WHERE customer_id = $1",
            customerId).first
        else {
            throw QueryError.notFound("no customer has id \(customerId.text)")
        }
        let contact = try CustomerStore.Contact(row)
        return CustomerProfile(
            customerId: customerId, email: try row.decode(String.self, column: "email"), name: try row.decode(String.self, column: "name"),
            roles: try CustomerStore.roles(row.decode([String].self, column: "roles")),
            passengers: try CustomerStore.passengers(of: customerId, on: context.database),
            phone: contact.phone, notificationPreferences: contact.preferences,
            createdAt: try row.decode(Date.self, column: "created_at"), updatedAt: try row.decode(Date.self, column: "updated_at"))
    }

    static func answerV1(_ envelope: Envelope<GetCustomerV1>, _ context: QueryContext) throws -> CustomerProfileV1 {
        CustomerProfileV1(try answer(Envelope(header: envelope.header, data: GetCustomer(customerId: envelope.data.customerId)), context))
    }
}

/// `subscription.list.v1`.
enum ListSubscriptionsAnswer {
    static func answer(_ envelope: Envelope<ListSubscriptions>, _ context: QueryContext) throws -> SubscriptionList {
        let customerId = envelope.data.customerId
        let rows = try context.database.query("""
            SELECT subscription_id, flight_id, created_at FROM subscriptions
            WHERE customer_id = $1 ORDER BY created_at, subscription_id
            """, customerId)
        return SubscriptionList(customerId: customerId, subscriptions: try rows.map { row in
            SubscriptionList.Entry(subscriptionId: try row.decode(UUID.self, column: "subscription_id"), flightId: try row.decode(UUID.self, column: "flight_id"),
                                   createdAt: try row.decode(Date.self, column: "created_at"))
        })
    }
}
