import Contracts
import Fleet
import Foundation
import Postgres

/// Each customer's phone number and notification preferences, as the customers context last
/// told them: a batch's are read at once where the batch reads ahead (`sendConfirmationsAhead`),
/// any other letter's when it is delivered. A customer never heard of gets email for everything.
final class ContactBook: @unchecked Sendable {
    /// How to reach one customer.
    struct Contact: Equatable {
        var phone: String?
        var preferences: NotificationPreferences

        /// A customer never heard of: email for everything.
        static let unknown = Contact(phone: nil, preferences: .emailOnly)

        /// Whether this customer takes `kind` of notice by `channel`.
        func takes(_ kind: NotificationKind, by channel: NotificationChannel) -> Bool {
            preferences.channels(for: kind).contains(channel)
        }
    }

    private let lock = NSLock()
    private var ahead: [UUID: Contact] = [:]

    /// Keeps `contacts` for the batch at hand, replacing the last batch's.
    func replace(with contacts: [UUID: Contact]) {
        lock.withLock { ahead = contacts }
    }

    /// Reads, with one statement, the contacts of the customers the batch at hand has not read
    /// yet (the many recipients of a flight's news).
    func readAhead(_ customerIds: [UUID], _ database: () -> PostgresConnection) throws {
        let missing = lock.withLock { customerIds.filter { ahead[$0] == nil } }
        guard !missing.isEmpty else { return }
        let found = try Self.contacts(database(), of: missing)
        lock.withLock { ahead.merge(found) { $1 } }
    }

    /// The contact of the letter's customer.
    func contact(of letter: Letter, _ database: () -> PostgresConnection) throws -> Contact {
        guard let customerId = letter.addressee.customerId else { return .unknown }
        if let known = lock.withLock({ ahead[customerId] }) { return known }
        return try Self.contacts(database(), of: [customerId])[customerId] ?? .unknown
    }

    /// The contacts of `customerIds`, each of them present (`unknown` when the table lacks it).
    static func contacts(_ db: PostgresConnection, of customerIds: [UUID]) throws -> [UUID: Contact] {
        var found = Dictionary(uniqueKeysWithValues: customerIds.map { ($0, Contact.unknown) })
        let rows = try db.query(
            "SELECT customer_id, phone, confirmations, reminders, flight_changes FROM customer_contacts WHERE customer_id = ANY($1)",
            customerIds)
        for row in rows {
            found[try row.decode(UUID.self, column: "customer_id")] = Contact(
                phone: try row.decode(String?.self, column: "phone"),
                preferences: try NotificationPreferences(
                    storedConfirmations: row.decode([String].self, column: "confirmations"),
                    reminders: row.decode([String].self, column: "reminders"),
                    flightChanges: row.decode([String].self, column: "flight_changes")))
        }
        return found
    }

    /// The devices a customer's push notices go to.
    static func devices(_ db: PostgresConnection, of customerId: UUID) throws -> [(deviceId: UUID, token: String, platform: DevicePlatform)] {
        try db.query("SELECT device_id, token, platform FROM customer_devices WHERE customer_id = $1 ORDER BY device_id", customerId)
            .map { row in
                (try row.decode(UUID.self, column: "device_id"), try row.decode(String.self, column: "token"),
                 try row.decode(DevicePlatform.self, column: "platform"))
            }
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
