import Fleet
import Foundation

/// A booking was accepted and its saga started: seats are being held.
public struct BookingRequested: Event, Equatable {
    public static let messageType = MessageType("booking.requested", version: 1)
    public var bookingId: UUID
    public var customerId: UUID
    public var flightId: UUID
    public var cabin: String
    public var passengers: [PassengerDetails]
    public var contactEmail: String
    public var requestedAt: Date

    public init(bookingId: UUID, customerId: UUID, flightId: UUID, cabin: String, passengers: [PassengerDetails],
                contactEmail: String, requestedAt: Date) {
        self.bookingId = bookingId
        self.customerId = customerId
        self.flightId = flightId
        self.cabin = cabin
        self.passengers = passengers
        self.contactEmail = contactEmail
        self.requestedAt = requestedAt
    }
}

/// A passenger of a booking, with a ticket once the booking is confirmed.
public struct BookedPassenger: Codable, Sendable, Equatable {
    public var firstName: String
    public var lastName: String
    public var dateOfBirth: String
    public var seat: String?
    /// 13 digits: airline code, serial, check digit.
    public var ticketNumber: String?

    public init(firstName: String, lastName: String, dateOfBirth: String, seat: String? = nil, ticketNumber: String? = nil) {
        self.firstName = firstName
        self.lastName = lastName
        self.dateOfBirth = dateOfBirth
        self.seat = seat
        self.ticketNumber = ticketNumber
    }
}

/// Paid and ticketed: the seats are sold to this booking.
public struct BookingConfirmed: Event, Equatable {
    public static let messageType = MessageType("booking.confirmed", version: 1)
    public var bookingId: UUID
    public var customerId: UUID
    public var flightId: UUID
    public var pnr: String
    public var cabin: String
    public var passengers: [BookedPassenger]
    public var total: Int
    public var currency: String
    public var contactEmail: String
    public var confirmedAt: Date

    public init(bookingId: UUID, customerId: UUID, flightId: UUID, pnr: String, cabin: String, passengers: [BookedPassenger],
                total: Int, currency: String, contactEmail: String, confirmedAt: Date) {
        self.bookingId = bookingId
        self.customerId = customerId
        self.flightId = flightId
        self.pnr = pnr
        self.cabin = cabin
        self.passengers = passengers
        self.total = total
        self.currency = currency
        self.contactEmail = contactEmail
        self.confirmedAt = confirmedAt
    }
}

/// Why a booking failed; a final state. Whatever was held is released and whatever was charged
/// is refunded.
public enum BookingFailureReason: String, Codable, Sendable, CaseIterable {
    case soldOut = "sold-out"
    case seatTaken = "seat-taken"
    /// The aircraft has no such cabin.
    case cabinUnknown = "cabin-unknown"
    /// A seat asked for belongs to another cabin of the aircraft.
    case seatNotInCabin = "seat-not-in-cabin"
    /// A seat asked for does not exist on the aircraft.
    case seatUnknown = "seat-unknown"
    /// No such flight, or it is cancelled or has left.
    case flightUnavailable = "flight-unavailable"
    /// Declined by the card's bank (insufficient funds included: see `detail`).
    case paymentDeclined = "payment-declined"
    /// The payment provider could not be reached (or the circuit breaker is open).
    case paymentUnavailable = "payment-unavailable"
    /// The seats could not be confirmed after payment; the payment is refunded.
    case seatConfirmationFailed = "seat-confirmation-failed"
    /// A step got no answer within the saga's timeout.
    case timedOut = "timed-out"
}

public struct BookingFailed: Event, Equatable {
    public static let messageType = MessageType("booking.failed", version: 1)
    public var bookingId: UUID
    public var customerId: UUID
    public var flightId: UUID
    public var reason: BookingFailureReason
    /// More about the reason for people (insufficient funds, the seats taken).
    public var detail: String?
    public var contactEmail: String
    public var failedAt: Date

    public init(bookingId: UUID, customerId: UUID, flightId: UUID, reason: BookingFailureReason, detail: String?,
                contactEmail: String, failedAt: Date) {
        self.bookingId = bookingId
        self.customerId = customerId
        self.flightId = flightId
        self.reason = reason
        self.detail = detail
        self.contactEmail = contactEmail
        self.failedAt = failedAt
    }
}

/// The seat hold ran out before the payment finished; a payment that succeeds later is refunded.
public struct BookingExpired: Event, Equatable {
    public static let messageType = MessageType("booking.expired", version: 1)
    public var bookingId: UUID
    public var customerId: UUID
    public var flightId: UUID
    public var contactEmail: String
    public var expiredAt: Date

    public init(bookingId: UUID, customerId: UUID, flightId: UUID, contactEmail: String, expiredAt: Date) {
        self.bookingId = bookingId
        self.customerId = customerId
        self.flightId = flightId
        self.contactEmail = contactEmail
        self.expiredAt = expiredAt
    }
}

public enum BookingCancellationReason: String, Codable, Sendable, CaseIterable {
    case customerRequest = "customer-request"
    case agentRequest = "agent-request"
    case flightCancelled = "flight-cancelled"
}

/// Cancelled: seats released, `refundAmount` on its way back to the card (0 when the policy
/// gives nothing back or nothing was charged).
public struct BookingCancelled: Event, Equatable {
    public static let messageType = MessageType("booking.cancelled", version: 1)
    public var bookingId: UUID
    public var customerId: UUID
    public var flightId: UUID
    public var pnr: String?
    public var reason: BookingCancellationReason
    public var refundAmount: Int
    public var currency: String?
    public var cancelledBy: UUID?
    public var contactEmail: String
    public var cancelledAt: Date

    public init(bookingId: UUID, customerId: UUID, flightId: UUID, pnr: String?, reason: BookingCancellationReason,
                refundAmount: Int, currency: String?, cancelledBy: UUID?, contactEmail: String, cancelledAt: Date) {
        self.bookingId = bookingId
        self.customerId = customerId
        self.flightId = flightId
        self.pnr = pnr
        self.reason = reason
        self.refundAmount = refundAmount
        self.currency = currency
        self.cancelledBy = cancelledBy
        self.contactEmail = contactEmail
        self.cancelledAt = cancelledAt
    }
}
