import Fleet
import Foundation

// The customers context's queries and their answers. Every type's `data` is described by
// Schemas/customers/<type>.schema.json; CustomersTests proves what these encode validates there.

/// Checks an email and password. Transient: queries are never persisted by the broker or the
/// runtime, so the password exists only in memory while it is checked. An unknown email and a
/// wrong password get the same answer, `QueryError(kind: .unauthorized)`, after the same work.
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
