import Fleet
import Foundation

// The customers context's shared message parts: roles and saved passengers. Every type's `data` is described by
// Schemas/customers/<type>.schema.json; CustomersTests proves what these encode validates there.

/// What a customer may do. The ingress checks roles on each request; the customers context only
/// records them.
public enum CustomerRole: String, Codable, Sendable, CaseIterable, Comparable {
    /// Books for themselves and their saved passengers.
    case customer
    /// Airline staff: acts on other customers' bookings.
    case agent
    /// Operates the platform: schedules flights, manages users.
    case admin

    public static func < (lhs: CustomerRole, rhs: CustomerRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A traveller a customer books for often, kept in their profile.
public struct SavedPassenger: Codable, Sendable, Equatable {
    /// Chosen by the client; identifies the passenger within the customer's list.
    public var passengerId: UUID
    public var firstName: String
    public var lastName: String
    /// `YYYY-MM-DD`, not before 1900-01-01, not in the future.
    public var dateOfBirth: String
    /// The passenger's frequent-flyer number, if any.
    public var loyaltyNumber: String?

    public init(passengerId: UUID, firstName: String, lastName: String, dateOfBirth: String, loyaltyNumber: String? = nil) {
        self.passengerId = passengerId
        self.firstName = firstName
        self.lastName = lastName
        self.dateOfBirth = dateOfBirth
        self.loyaltyNumber = loyaltyNumber
    }

    /// Checks the passenger's fields; `path` is where it sits, e.g. `passengers[0]`.
    public func validate(at path: String, now: Date = Date()) throws {
        try CustomerRules.checkName(firstName, field: "\(path).firstName")
        try CustomerRules.checkName(lastName, field: "\(path).lastName")
        try CustomerRules.checkDateOfBirth(dateOfBirth, field: "\(path).dateOfBirth", now: now)
        if let loyaltyNumber { try CustomerRules.checkLoyaltyNumber(loyaltyNumber, field: "\(path).loyaltyNumber") }
    }

    /// The same passenger with its names trimmed, as stored.
    public var normalized: SavedPassenger {
        var copy = self
        copy.firstName = firstName.trimmingCharacters(in: .whitespacesAndNewlines)
        copy.lastName = lastName.trimmingCharacters(in: .whitespacesAndNewlines)
        return copy
    }
}
