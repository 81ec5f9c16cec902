import Fleet
import Foundation

// The customers context's events. Every type's `data` is described by
// Schemas/customers/<type>.schema.json; CustomersTests proves what these encode validates there.

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
