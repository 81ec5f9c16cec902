import Fleet
import Foundation

// Answers to commands that did not start or change a booking, for the caller waiting on
// reply_to (the ingress maps them to HTTP statuses).

/// A `booking.create.v1` named a booking that exists already, with the same body: the same
/// idempotency key sent again, or the command published twice. Nothing new is started;
/// `existingBookingId` is the booking to look at.
public struct BookingDeduplicated: Event, Equatable {
    public static let messageType = MessageType("booking.deduplicated", version: 1)
    public var bookingId: UUID
    public var existingBookingId: UUID
    public var customerId: UUID
    /// The existing booking's state when the duplicate arrived.
    public var state: BookingState

    public init(bookingId: UUID, existingBookingId: UUID, customerId: UUID, state: BookingState) {
        self.bookingId = bookingId
        self.existingBookingId = existingBookingId
        self.customerId = customerId
        self.state = state
    }
}

/// A `booking.create.v1` refused before anything started (HTTP 409 for `idempotency-conflict`).
public struct BookingRejected: Event, Equatable {
    public static let messageType = MessageType("booking.rejected", version: 1)

    public enum Reason: String, Codable, Sendable, CaseIterable {
        /// The idempotency key (or the bookingId) was used before with another body.
        case idempotencyConflict = "idempotency-conflict"
    }

    public var bookingId: UUID
    public var customerId: UUID
    public var reason: Reason
    public var existingBookingId: UUID?
    public var detail: String

    public init(bookingId: UUID, customerId: UUID, reason: Reason, existingBookingId: UUID?, detail: String) {
        self.bookingId = bookingId
        self.customerId = customerId
        self.reason = reason
        self.existingBookingId = existingBookingId
        self.detail = detail
    }
}

/// A `booking.cancel.v1` that changed nothing (HTTP 404 for `not-found`, 409 otherwise).
public struct BookingCancelRejected: Event, Equatable {
    public static let messageType = MessageType("booking.cancel-rejected", version: 1)

    public enum Reason: String, Codable, Sendable, CaseIterable {
        case notFound = "not-found"
        /// Failed or expired: there is nothing to cancel.
        case notCancellable = "not-cancellable"
        case alreadyCancelled = "already-cancelled"
    }

    public var bookingId: UUID
    public var reason: Reason
    public var state: BookingState?

    public init(bookingId: UUID, reason: Reason, state: BookingState?) {
        self.bookingId = bookingId
        self.reason = reason
        self.state = state
    }
}

/// Where a booking is in its saga.
public enum BookingState: String, Codable, Sendable, CaseIterable {
    case requested
    case seatsHeld = "seats-held"
    case paid
    case confirmed
    case failed
    case expired
    case cancelled

    /// Confirmed is final for the saga but can still be cancelled.
    public var isFinal: Bool { [.confirmed, .failed, .expired, .cancelled].contains(self) }
}
