import Fleet
import Foundation

// The customers context's queries and their answers: the rules their schemas (Schemas/customers/)
// cannot express.

/// Checks an email and password. Transient: queries are never persisted by the broker or the
/// runtime, so the password exists only in memory while it is checked. An unknown email and a
/// wrong password get the same answer, `QueryError(kind: .unauthorized)`, after the same work.
extension CustomerLogin: CustomStringConvertible, CustomDebugStringConvertible {
    /// The longest password accepted on the wire; anything over 72 bytes never matches anyway.
    public static let maximumPasswordLength = 1024

    public func validate() throws {
        guard !email.isEmpty, email.count <= CustomerRules.maximumEmailLength else {
            throw ValidationError(field: "email", "must be 1 to \(CustomerRules.maximumEmailLength) characters")
        }
        guard !password.isEmpty, password.count <= Self.maximumPasswordLength else {
            throw ValidationError(field: "password", "must be 1 to \(Self.maximumPasswordLength) characters")
        }
    }

    /// Never shows the password.
    public var description: String { "CustomerLogin(email: \(email), password: <redacted>)" }
    public var debugDescription: String { description }
}
