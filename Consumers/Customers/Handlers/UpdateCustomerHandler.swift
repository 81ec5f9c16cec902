import Contracts
import Fleet
import Foundation
import Postgres

/// `customer.update.v2` (and v1, upcast) → `customer.updated.v2` with the whole profile after the
/// change.
///
/// The customer's row is updated first, which locks it: concurrent updates of one customer
/// take turns, and the passengers list is replaced under that lock.
enum UpdateCustomerHandler {
    static func handle(_ envelope: Envelope<UpdateCustomer>, _ context: HandlerContext) throws {
        let command = envelope.data
        let name = try command.name.map { try CustomerRules.checkName($0, field: "name") }
        let change = command.notificationPreferences
        // A phone of '' removes the number; NULL leaves it.
        let updated = try context.database.query("""
            UPDATE customers SET name = coalesce($2, name), updated_at = $3,
                phone = CASE WHEN $4::text IS NULL THEN phone ELSE nullif($4::text, '') END,
                notify_confirmations = coalesce($5::text[], notify_confirmations),
                notify_reminders = coalesce($6::text[], notify_reminders),
                notify_flight_changes = coalesce($7::text[], notify_flight_changes)
            WHERE customer_id = $1
            RETURNING name, \(CustomerStore.contactColumns)
            """, command.customerId, name, context.now, command.phone,
            change?.confirmations?.map(\.rawValue), change?.reminders?.map(\.rawValue), change?.flightChanges?.map(\.rawValue))
        guard let row = updated.first else {
            // Commands are not ordered: the registration may still be on its way. Retried up the
            // ladder, then dead-lettered.
            throw HandlerError.transient("customer \(command.customerId.text) is not registered (yet)")
        }
        if let passengers = command.passengers?.map(\.normalized) {
            try context.database.execute("DELETE FROM saved_passengers WHERE customer_id = $1", command.customerId)
            if !passengers.isEmpty {
                try context.database.execute("""
                    INSERT INTO saved_passengers (customer_id, passenger_id, position, first_name, last_name, date_of_birth, loyalty_number)
                    SELECT $1, p.id, p.position, p.first_name, p.last_name, p.date_of_birth::date, p.loyalty_number
                    FROM unnest($2::uuid[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[])
                         AS p(id, position, first_name, last_name, date_of_birth, loyalty_number)
                    """,
                    command.customerId, passengers.map(\.passengerId), Array(passengers.indices),
                    passengers.map(\.firstName), passengers.map(\.lastName), passengers.map(\.dateOfBirth),
                    passengers.map(\.loyaltyNumber))
            }
        }
        let contact = try CustomerStore.Contact(row)
        let event = CustomerUpdated(
            customerId: command.customerId, name: try row.decode(String.self, column: "name"),
            passengers: try CustomerStore.passengers(of: command.customerId, on: context.database),
            phone: contact.phone, notificationPreferences: contact.preferences, updatedAt: context.now)
        try context.emit(event, subject: RegisterCustomerHandler.subject(command.customerId))
        context.logger.info("customer updated", metadata: [
            "customer_id": "\(command.customerId.text)", "passengers": "\(event.passengers.count)"])
    }
}
