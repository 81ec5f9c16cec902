import Contracts
import Fleet
import Foundation
import Postgres

/// Each customer's notification preferences, as the customers context last told them: a
/// batch's are read at once where the batch reads ahead (`sendConfirmationsAhead`), any other
/// letter's when it is delivered. A customer never heard of gets email for everything.
final class ContactBook: @unchecked Sendable {
    private let lock = NSLock()
    private var ahead: [UUID: NotificationPreferences] = [:]

    /// Keeps `preferences` for the batch at hand, replacing the last batch's.
    func replace(with preferences: [UUID: NotificationPreferences]) {
        lock.withLock { ahead = preferences }
    }

    /// Whether the letter's customer takes its kind of notice by email.
    func wantsEmail(_ letter: Letter, _ database: () -> PostgresConnection) throws -> Bool {
        guard let customerId = letter.addressee.customerId else { return true }
        let preferences = try lock.withLock({ ahead[customerId] }) ?? Self.preferences(database(), of: [customerId])[customerId]
        return (preferences ?? NotificationPreferences.emailOnly).channels(for: letter.key.kind).contains(.email)
    }

    /// The preferences of `customerIds`, each of them present (email for everything when the
    /// table lacks it).
    static func preferences(_ db: PostgresConnection, of customerIds: [UUID]) throws -> [UUID: NotificationPreferences] {
        var found = Dictionary(uniqueKeysWithValues: customerIds.map { ($0, NotificationPreferences.emailOnly) })
        let rows = try db.query(
            "SELECT customer_id, confirmations, reminders, flight_changes FROM customer_contacts WHERE customer_id = ANY($1)",
            customerIds)
        for row in rows {
            found[try row.decode(UUID.self, column: "customer_id")] = try NotificationPreferences(
                storedConfirmations: row.decode([String].self, column: "confirmations"),
                reminders: row.decode([String].self, column: "reminders"),
                flightChanges: row.decode([String].self, column: "flight_changes"))
        }
        return found
    }

    /// Keeps what a customer event says, unless a newer one said otherwise already.
    static func save(_ context: HandlerContext, customerId: UUID, phone: String?, preferences: NotificationPreferences, asOf: Date) throws {
        try context.write(
            """
            INSERT INTO customer_contacts (customer_id, phone, confirmations, reminders, flight_changes, as_of)
            VALUES ($1, $2, $3::text[], $4::text[], $5::text[], $6)
            ON CONFLICT (customer_id) DO UPDATE SET phone = EXCLUDED.phone, confirmations = EXCLUDED.confirmations,
                reminders = EXCLUDED.reminders, flight_changes = EXCLUDED.flight_changes, as_of = EXCLUDED.as_of
            WHERE customer_contacts.as_of <= EXCLUDED.as_of
            """,
            customerId, phone, preferences.confirmations.map(\.rawValue), preferences.reminders.map(\.rawValue),
            preferences.flightChanges.map(\.rawValue), asOf)
    }
}
