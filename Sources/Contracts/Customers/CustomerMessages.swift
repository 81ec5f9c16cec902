import Fleet
import Foundation

// The customers context's messages. Every type's `data` is described by
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

// MARK: - Commands

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
public struct RegisterCustomer: Command, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public static let messageType = MessageType("customer.register", version: 1)
    public var customerId: UUID
    public var email: String
    /// bcrypt, `$2a$`, `$2b$` or `$2y$`.
    public var passwordHash: String
    public var name: String
    public var role: CustomerRole?

    public init(customerId: UUID, email: String, passwordHash: String, name: String, role: CustomerRole? = nil) {
        self.customerId = customerId
        self.email = email
        self.passwordHash = passwordHash
        self.name = name
        self.role = role
    }

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
public struct UpdateCustomer: Command, Equatable {
    public static let messageType = MessageType("customer.update", version: 1)
    public static let maximumPassengers = 20
    public var customerId: UUID
    public var name: String?
    public var passengers: [SavedPassenger]?

    public init(customerId: UUID, name: String? = nil, passengers: [SavedPassenger]? = nil) {
        self.customerId = customerId
        self.name = name
        self.passengers = passengers
    }

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

/// Subscribes a customer to updates of a flight (delays, gate changes, cancellation).
/// Idempotent per (customerId, flightId): a second subscription to the same flight keeps the
/// first and emits `subscription.created.v1` again with the first's `subscriptionId`.
/// Whether the flight exists is the flights context's business: it is not checked here.
public struct CreateSubscription: Command, Equatable {
    public static let messageType = MessageType("subscription.create", version: 1)
    public var subscriptionId: UUID
    public var customerId: UUID
    public var flightId: UUID

    public init(subscriptionId: UUID, customerId: UUID, flightId: UUID) {
        self.subscriptionId = subscriptionId
        self.customerId = customerId
        self.flightId = flightId
    }

}

/// Ends a customer's subscription to a flight; emits `subscription.deleted.v1` when there was
/// one, nothing when there was none.
public struct DeleteSubscription: Command, Equatable {
    public static let messageType = MessageType("subscription.delete", version: 1)
    public var customerId: UUID
    public var flightId: UUID

    public init(customerId: UUID, flightId: UUID) {
        self.customerId = customerId
        self.flightId = flightId
    }

}

// MARK: - Events

/// A customer was registered. Emitted again (same content) when the same registration is
/// repeated, so followers must treat it idempotently by `customerId`, as with any event.
public struct CustomerRegistered: Event, Equatable {
    public static let messageType = MessageType("customer.registered", version: 1)
    public var customerId: UUID
    /// Lower-case.
    public var email: String
    public var name: String
    public var roles: [CustomerRole]
    public var registeredAt: Date

    public init(customerId: UUID, email: String, name: String, roles: [CustomerRole], registeredAt: Date) {
        self.customerId = customerId
        self.email = email
        self.name = name
        self.roles = roles
        self.registeredAt = registeredAt
    }
}

/// A registration refused because of what the user asked for (not a broken message): the
/// ingress answers 409 to a client waiting for it.
public struct CustomerRegistrationRejected: Event, Equatable {
    public static let messageType = MessageType("customer.registration-rejected", version: 1)

    public enum Reason: String, Codable, Sendable, CaseIterable {
        /// Another customer already has this email.
        case emailTaken = "email-taken"
    }

    /// The id the refused registration asked for; no customer has it.
    public var customerId: UUID
    /// Lower-case.
    public var email: String
    public var reason: Reason
    public var message: String

    public init(customerId: UUID, email: String, reason: Reason, message: String) {
        self.customerId = customerId
        self.email = email
        self.reason = reason
        self.message = message
    }
}

/// A customer's profile changed; carries the whole profile after the change.
public struct CustomerUpdated: Event, Equatable {
    public static let messageType = MessageType("customer.updated", version: 1)
    public var customerId: UUID
    public var name: String
    public var passengers: [SavedPassenger]
    public var updatedAt: Date

    public init(customerId: UUID, name: String, passengers: [SavedPassenger], updatedAt: Date) {
        self.customerId = customerId
        self.name = name
        self.passengers = passengers
        self.updatedAt = updatedAt
    }
}

/// A customer follows a flight. Carries the customer's email so the notifications context can
/// write to subscribers without asking anyone.
public struct SubscriptionCreated: Event, Equatable {
    public static let messageType = MessageType("subscription.created", version: 1)
    public var subscriptionId: UUID
    public var customerId: UUID
    public var flightId: UUID
    public var email: String
    public var createdAt: Date

    public init(subscriptionId: UUID, customerId: UUID, flightId: UUID, email: String, createdAt: Date) {
        self.subscriptionId = subscriptionId
        self.customerId = customerId
        self.flightId = flightId
        self.email = email
        self.createdAt = createdAt
    }
}

public struct SubscriptionDeleted: Event, Equatable {
    public static let messageType = MessageType("subscription.deleted", version: 1)
    public var subscriptionId: UUID
    public var customerId: UUID
    public var flightId: UUID

    public init(subscriptionId: UUID, customerId: UUID, flightId: UUID) {
        self.subscriptionId = subscriptionId
        self.customerId = customerId
        self.flightId = flightId
    }
}

// MARK: - Queries

/// Checks an email and password. Transient: queries are never persisted by the broker or the
/// runtime, so the password exists only in memory while it is checked. An unknown email and a
/// wrong password get the same answer, `QueryError(kind: "unauthorized")`, after the same work.
public struct CustomerLogin: Query, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public static let messageType = MessageType("customer.login", version: 1)
    public typealias Response = CustomerIdentity
    /// The longest password accepted on the wire; anything over 72 bytes never matches anyway.
    public static let maximumPasswordLength = 1024

    public var email: String
    public var password: String

    public init(email: String, password: String) {
        self.email = email
        self.password = password
    }

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

/// Who logged in: what an access token is made from.
public struct CustomerIdentity: Codable, Sendable, Equatable {
    public var customerId: UUID
    public var email: String
    public var name: String
    public var roles: [CustomerRole]

    public init(customerId: UUID, email: String, name: String, roles: [CustomerRole]) {
        self.customerId = customerId
        self.email = email
        self.name = name
        self.roles = roles
    }
}

/// A customer's profile; `not-found` when no customer has the id.
public struct GetCustomer: Query, Equatable {
    public static let messageType = MessageType("customer.get", version: 1)
    public typealias Response = CustomerProfile
    public var customerId: UUID
    public init(customerId: UUID) { self.customerId = customerId }
}

public struct CustomerProfile: Codable, Sendable, Equatable {
    public var customerId: UUID
    public var email: String
    public var name: String
    public var roles: [CustomerRole]
    public var passengers: [SavedPassenger]
    public var createdAt: Date
    public var updatedAt: Date

    public init(customerId: UUID, email: String, name: String, roles: [CustomerRole], passengers: [SavedPassenger],
                createdAt: Date, updatedAt: Date) {
        self.customerId = customerId
        self.email = email
        self.name = name
        self.roles = roles
        self.passengers = passengers
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The flights a customer follows, oldest subscription first (empty for an unknown customer).
public struct ListSubscriptions: Query, Equatable {
    public static let messageType = MessageType("subscription.list", version: 1)
    public typealias Response = SubscriptionList
    public var customerId: UUID
    public init(customerId: UUID) { self.customerId = customerId }
}

public struct SubscriptionList: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var subscriptionId: UUID
        public var flightId: UUID
        public var createdAt: Date

        public init(subscriptionId: UUID, flightId: UUID, createdAt: Date) {
            self.subscriptionId = subscriptionId
            self.flightId = flightId
            self.createdAt = createdAt
        }
    }

    public var customerId: UUID
    public var subscriptions: [Entry]

    public init(customerId: UUID, subscriptions: [Entry]) {
        self.customerId = customerId
        self.subscriptions = subscriptions
    }
}
