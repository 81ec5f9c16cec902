import Fleet
import Foundation

/// The emails notifications sends, one template each.
public enum NotificationKind: String, Codable, Sendable, CaseIterable {
    case bookingConfirmed = "booking-confirmed"
    case bookingCancelled = "booking-cancelled"
    case bookingFailed = "booking-failed"
    case bookingExpired = "booking-expired"
    case flightDelayed = "flight-delayed"
    case gateChanged = "gate-changed"
    case flightCancelled = "flight-cancelled"
    case reminder24h = "reminder-24h"
    case reminder2h = "reminder-2h"
}

/// What a notification is about, beside its kind: a booking's contact or a flight's subscriber.
public struct NotificationAddressee: Codable, Sendable, Equatable {
    public var bookingId: UUID?
    public var subscriptionId: UUID?
    public var customerId: UUID?
    public var email: String

    public init(bookingId: UUID? = nil, subscriptionId: UUID? = nil, customerId: UUID? = nil, email: String) {
        self.bookingId = bookingId
        self.subscriptionId = subscriptionId
        self.customerId = customerId
        self.email = email
    }

    func validate() throws {
        guard (bookingId == nil) != (subscriptionId == nil) else {
            throw ValidationError(field: "to.bookingId", "exactly one of bookingId and subscriptionId names what the email is about")
        }
        guard email.contains("@"), email.count <= CustomerRules.maximumEmailLength else {
            throw ValidationError(field: "to.email", "must be a mail address of at most \(CustomerRules.maximumEmailLength) characters")
        }
    }
}

/// An email left for its recipient: the SMTP server accepted it.
public struct NotificationSent: Event, Equatable {
    public static let messageType = MessageType("notification.sent", version: 1)
    /// `<booking|subscription>:<id>:<kind>:<occurrence>`: the delivery's key, one email per key.
    public var deliveryKey: String
    public var kind: NotificationKind
    public var to: NotificationAddressee
    public var flightId: UUID?
    /// The email's Message-ID, without angle brackets.
    public var messageId: String
    public var sentAt: Date

    public init(deliveryKey: String, kind: NotificationKind, to: NotificationAddressee, flightId: UUID?, messageId: String,
                sentAt: Date) {
        self.deliveryKey = deliveryKey
        self.kind = kind
        self.to = to
        self.flightId = flightId
        self.messageId = messageId
        self.sentAt = sentAt
    }

    public func validate() throws {
        try to.validate()
        guard !deliveryKey.isEmpty, deliveryKey.count <= 300 else { throw ValidationError(field: "deliveryKey", "must be 1 to 300 characters") }
    }
}

/// An email that will not be sent: the server refused it for good.
public struct NotificationFailed: Event, Equatable {
    public static let messageType = MessageType("notification.failed", version: 1)
    public enum Reason: String, Codable, Sendable, CaseIterable {
        /// The SMTP server answered 5xx (an unknown recipient, say).
        case rejected
        /// TLS or the login failed, or the message could not be built.
        case undeliverable
    }

    public var deliveryKey: String
    public var kind: NotificationKind
    public var to: NotificationAddressee
    public var flightId: UUID?
    public var reason: Reason
    /// The server's reply, or what went wrong.
    public var detail: String
    public var failedAt: Date

    public init(deliveryKey: String, kind: NotificationKind, to: NotificationAddressee, flightId: UUID?, reason: Reason,
                detail: String, failedAt: Date) {
        self.deliveryKey = deliveryKey
        self.kind = kind
        self.to = to
        self.flightId = flightId
        self.reason = reason
        self.detail = detail
        self.failedAt = failedAt
    }

    public func validate() throws {
        try to.validate()
        guard !deliveryKey.isEmpty, deliveryKey.count <= 300 else { throw ValidationError(field: "deliveryKey", "must be 1 to 300 characters") }
    }
}

/// The emails of one booking or of one customer (as booking contact and as subscriber), newest first.
public struct ListNotifications: Query, Equatable {
    public static let messageType = MessageType("notification.list", version: 1)
    public var bookingId: UUID?
    public var customerId: UUID?

    public init(bookingId: UUID? = nil, customerId: UUID? = nil) {
        self.bookingId = bookingId
        self.customerId = customerId
    }

    public func validate() throws {
        guard (bookingId == nil) != (customerId == nil) else {
            throw ValidationError(field: "bookingId", "give exactly one of bookingId and customerId")
        }
    }

    public struct Response: Codable, Sendable, Equatable {
        public var notifications: [NotificationView]
        public init(notifications: [NotificationView]) { self.notifications = notifications }
    }
}

/// One row of the delivery ledger.
public struct NotificationView: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Handed to the SMTP server; no answer recorded yet (or the process died meanwhile).
        case sending
        case sent
        /// The last try failed in a way that may pass; it will be tried again.
        case retrying
        /// Refused for good.
        case failed
    }

    public var deliveryKey: String
    public var kind: NotificationKind
    public var state: State
    public var to: NotificationAddressee
    public var flightId: UUID?
    public var messageId: String
    public var attempts: Int
    public var error: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(deliveryKey: String, kind: NotificationKind, state: State, to: NotificationAddressee, flightId: UUID?,
                messageId: String, attempts: Int, error: String?, createdAt: Date, updatedAt: Date) {
        self.deliveryKey = deliveryKey
        self.kind = kind
        self.state = state
        self.to = to
        self.flightId = flightId
        self.messageId = messageId
        self.attempts = attempts
        self.error = error
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
