import Fleet
import Foundation

// The customers context's commands: the rules their schemas (Schemas/customers/) cannot express.

/// Registers a customer. Published by the HTTP ingress (sign-up) and by operators
/// (`airfleet user create`).
///
/// - The publisher chooses `customerId`, so a retried request creates one customer.
/// - The publisher hashes the password with bcrypt after checking it with `PasswordPolicy`;
///   only `passwordHash` travels, never the password.
/// - `role` defaults to `customer`. The ingress must only ever send `customer` (or nothing): a
///   self-registration never grants itself staff rights. Operators may publish `agent` or `admin`.
///
/// Outcome: `customer.registered.v1`, or `customer.registration-rejected.v1` (reason
/// `email-taken`) when another customer already has the email. The same `customerId` with the
/// same email again is not an error: the customer is kept and `customer.registered.v1` is
/// emitted again, so a client waiting for the outcome of a retry gets one.
extension RegisterCustomer: CustomStringConvertible, CustomDebugStringConvertible {
    public var effectiveRole: CustomerRole { role ?? .customer }

    public func validate() throws {
        try CustomerRules.checkEmail(email)
        try CustomerRules.checkPasswordHash(passwordHash)
        try CustomerRules.checkName(name, field: "name")
    }

    /// Never shows the hash.
    public var description: String {
        "RegisterCustomer(customerId: \(customerId), email: \(email), passwordHash: <redacted>, name: \(name), role: \(effectiveRole.rawValue))"
    }
    public var debugDescription: String { description }
}

/// Changes a customer's own profile. Absent fields are left as they are; `passengers`, when
/// given, replaces the whole list of saved passengers (an empty list clears it).
extension UpdateCustomer {
    public static let maximumPassengers = 20

    public func validate() throws {
        guard name != nil || passengers != nil else {
            throw ValidationError(field: "name", "name or passengers is required: an update must change something")
        }
        if let name { try CustomerRules.checkName(name, field: "name") }
        if let passengers {
            guard passengers.count <= Self.maximumPassengers else {
                throw ValidationError(field: "passengers", "must hold at most \(Self.maximumPassengers) passengers")
            }
            let now = Date()
            var seen = Set<UUID>()
            for (index, passenger) in passengers.enumerated() {
                try passenger.validate(at: "passengers[\(index)]", now: now)
                guard seen.insert(passenger.passengerId).inserted else {
                    throw ValidationError(field: "passengers[\(index)].passengerId", "appears twice in the list")
                }
            }
        }
    }
}
