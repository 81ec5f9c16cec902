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
/// - `phone` and `notificationPreferences` are optional; without preferences every kind of
///   notice goes by email (`NotificationPreferences.emailOnly`).
///
/// Outcome: `customer.registered.v2`, or `customer.registration-rejected.v1` (reason
/// `email-taken`) when another customer already has the email. The same `customerId` with the
/// same email again is not an error: the customer is kept and `customer.registered.v2` is
/// emitted again, so a client waiting for the outcome of a retry gets one.
extension RegisterCustomer: CustomStringConvertible, CustomDebugStringConvertible {
    public var effectiveRole: CustomerRole { role ?? .customer }

    public func validate() throws {
        try CustomerRules.checkEmail(email)
        try CustomerRules.checkPasswordHash(passwordHash)
        try CustomerRules.checkName(name, field: "name")
        if let phone { try CustomerRules.checkPhone(phone) }
        try notificationPreferences?.validate(at: "notificationPreferences")
    }

    /// Never shows the hash.
    public var description: String {
        "RegisterCustomer(customerId: \(customerId), email: \(email), passwordHash: <redacted>, name: \(name), role: \(effectiveRole.rawValue))"
    }
    public var debugDescription: String { description }
}

/// Changes a customer's own profile. Absent fields are left as they are; `passengers`, when
/// given, replaces the whole list of saved passengers (an empty list clears it); `phone` set to
/// the empty string removes the number; `notificationPreferences` changes the kinds it names.
extension UpdateCustomer {
    public static let maximumPassengers = 20

    public func validate() throws {
        guard name != nil || passengers != nil || phone != nil || notificationPreferences != nil else {
            throw ValidationError(field: "name", "name, passengers, phone or notificationPreferences is required: an update must change something")
        }
        if let name { try CustomerRules.checkName(name, field: "name") }
        if let phone, !removesPhone { try CustomerRules.checkPhone(phone) }
        try notificationPreferences?.validate(at: "notificationPreferences")
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

    /// Whether the update removes the customer's phone number (`phone` is the empty string).
    public var removesPhone: Bool { phone?.isEmpty == true }

    /// Checks that the profile this update leaves behind has a phone number when some kind of
    /// notice goes by SMS. A publisher that knows the profile checks it (the ingress does); the
    /// context itself keeps what it is told, and sends no SMS to a customer without a number.
    public func checkSMSReachable(from profile: CustomerProfile) throws {
        let preferences = notificationPreferences.map(profile.notificationPreferences.applying) ?? profile.notificationPreferences
        let phone = phone.map { $0.isEmpty ? nil : $0 } ?? profile.phone
        let bySMS = preferences.kinds(using: .sms)
        guard phone == nil, let first = bySMS.first else { return }
        if removesPhone {
            throw ValidationError(field: "phone", "cannot be removed while \(bySMS.joined(separator: ", ")) go by sms; take sms out of notificationPreferences in the same request")
        }
        throw ValidationError(field: "notificationPreferences.\(first)", "sms needs a phone number; give phone in the same request")
    }
}
