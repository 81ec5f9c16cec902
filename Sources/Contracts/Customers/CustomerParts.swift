import Fleet
import Foundation

// The customers context's shared message parts, roles and saved passengers: the rules their
// schemas (Schemas/customers/) cannot express.

/// What a customer may do. The ingress checks roles on each request; the customers context only
/// records them.
extension CustomerRole: Comparable {
    public static func < (lhs: CustomerRole, rhs: CustomerRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A traveller a customer books for often, kept in their profile.
extension SavedPassenger {
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
        copy.firstName = firstName.trimmingWhitespace()
        copy.lastName = lastName.trimmingWhitespace()
        return copy
    }
}
