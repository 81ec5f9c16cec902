import Contracts
import Fleet
import Foundation
import Postgres

/// Reads shared by handlers and answers.
enum CustomerStore {
    static func passengers(of customerId: UUID, on database: PostgresConnection) throws -> [SavedPassenger] {
        try database.query("""
            SELECT passenger_id, first_name, last_name, to_char(date_of_birth, 'YYYY-MM-DD') AS date_of_birth, loyalty_number
            FROM saved_passengers WHERE customer_id = $1 ORDER BY position
            """, customerId
        ).map { row in
            SavedPassenger(passengerId: try row.decode(UUID.self, column: "passenger_id"), firstName: try row.decode(String.self, column: "first_name"),
                           lastName: try row.decode(String.self, column: "last_name"), dateOfBirth: try row.decode(String.self, column: "date_of_birth"),
                           loyaltyNumber: try row.decode(String?.self, column: "loyalty_number"))
        }
    }

    /// Roles as stored; the table's check constraint allows only known ones.
    static func roles(_ names: [String]) throws -> [CustomerRole] {
        try names.map { name in
            guard let role = CustomerRole(rawValue: name) else { throw FleetError("unknown role '\(name)' in the customers table") }
            return role
        }
    }

    /// The columns `Contact` reads, for a select or returning list.
    static let contactColumns = "phone, notify_confirmations, notify_reminders, notify_flight_changes"

    /// How a customer is reached: the phone number, and the channels of each kind of notice.
    struct Contact {
        var phone: String?
        var preferences: NotificationPreferences

        init(_ row: PostgresRow) throws {
            phone = try row.decode(String?.self, column: "phone")
            preferences = try NotificationPreferences(
                storedConfirmations: row.decode([String].self, column: "notify_confirmations"),
                reminders: row.decode([String].self, column: "notify_reminders"),
                flightChanges: row.decode([String].self, column: "notify_flight_changes"))
        }
    }
}
