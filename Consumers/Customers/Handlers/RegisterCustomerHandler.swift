import Contracts
import Fleet
import Foundation
import Postgres

/// `customer.register.v2` (and v1, upcast) → `customer.registered.v2` or
/// `customer.registration-rejected.v1`.
///
/// The insert does nothing on any conflict (id or email); then the rows holding the id or the
/// email decide. Two processes racing for one email are settled by the unique index: the
/// second insert waits for the first transaction and then sees its row.
enum RegisterCustomerHandler {
    static func handle(_ envelope: Envelope<RegisterCustomer>, _ context: HandlerContext) throws {
        let command = envelope.data
        let email = CustomerRules.normalizedEmail(command.email)
        let name = try CustomerRules.checkName(command.name, field: "name")
        let roles = [command.effectiveRole]
        let preferences = command.notificationPreferences ?? .emailOnly

        let inserted = try context.database.query("""
            INSERT INTO customers (customer_id, email, name, password_hash, roles, created_at, updated_at,
                                   phone, notify_confirmations, notify_reminders, notify_flight_changes)
            VALUES ($1, $2, $3, $4, $5::text[], $6, $6, $7, $8::text[], $9::text[], $10::text[])
            ON CONFLICT DO NOTHING
            RETURNING created_at
            """, command.customerId, email, name, command.passwordHash, roles.map(\.rawValue), context.now,
            command.phone, preferences.confirmations.map(\.rawValue), preferences.reminders.map(\.rawValue),
            preferences.flightChanges.map(\.rawValue))
        if let row = inserted.first {
            try context.emit(CustomerRegistered(customerId: command.customerId, email: email, name: name, roles: roles,
                                                phone: command.phone, notificationPreferences: preferences,
                                                registeredAt: try row.decode(Date.self, column: "created_at")),
                             subject: subject(command.customerId))
            context.logger.info("customer registered", metadata: [
                "customer_id": "\(command.customerId.text)", "roles": "\(roles.map(\.rawValue).joined(separator: ","))"])
            return
        }

        let existing = try context.database.query("""
            SELECT customer_id, email, name, roles, created_at, \(CustomerStore.contactColumns) FROM customers
            WHERE customer_id = $1 OR lower(email) = $2
            """, command.customerId, email
        ).map { row in
            let contact = try CustomerStore.Contact(row)
            return RegistrationDecision.ExistingCustomer(
                customerId: try row.decode(UUID.self, column: "customer_id"), email: try row.decode(String.self, column: "email"),
                name: try row.decode(String.self, column: "name"), roles: try CustomerStore.roles(row.decode([String].self, column: "roles")),
                createdAt: try row.decode(Date.self, column: "created_at"),
                phone: contact.phone, notificationPreferences: contact.preferences)
        }
        switch RegistrationDecision.decide(customerId: command.customerId, email: email, existing: existing) {
        case .repeated(let customer):
            try context.emit(CustomerRegistered(customerId: customer.customerId, email: customer.email, name: customer.name,
                                                roles: customer.roles, phone: customer.phone,
                                                notificationPreferences: customer.notificationPreferences, registeredAt: customer.createdAt),
                             subject: subject(command.customerId))
            context.logger.info("customer registered before; outcome told again", metadata: ["customer_id": "\(command.customerId.text)"])
        case .emailTaken:
            try context.emit(CustomerRegistrationRejected(
                customerId: command.customerId, email: email, reason: .emailTaken,
                message: "a customer with this email is already registered"), subject: subject(command.customerId))
            context.logger.info("registration rejected: email taken", metadata: ["customer_id": "\(command.customerId.text)"])
        case .idTaken:
            throw HandlerError.permanent("customerId \(command.customerId.text) already belongs to a customer with another email; choose a new UUID for each registration")
        case .register:
            // The conflicting row is gone again (it cannot be, without deletes): try once more later.
            throw HandlerError.transient("registration of \(command.customerId.text) conflicted with a row that is no longer there")
        }
    }

    static func subject(_ customerId: UUID) -> String { customerId.text }
}
