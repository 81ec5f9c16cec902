import Fleet
import Foundation

/// A traveller as the booking names them: the seat is optional (any seat of the cabin when absent).
public struct PassengerDetails: Codable, Sendable, Equatable {
    public var firstName: String
    public var lastName: String
    /// `YYYY-MM-DD`.
    public var dateOfBirth: String
    /// A seat such as `12C`; give one for every passenger or for none.
    public var seat: String?

    public init(firstName: String, lastName: String, dateOfBirth: String, seat: String? = nil) {
        self.firstName = firstName
        self.lastName = lastName
        self.dateOfBirth = dateOfBirth
        self.seat = seat
    }
}

/// Books seats on a flight and pays for them: the start of the booking saga.
///
/// The ingress generates `bookingId`. With an `idempotencyKey`, the same key and the same body
/// from the same customer name the same booking (`booking.deduplicated.v1`); the same key with
/// another body is refused (`booking.rejected.v1`, reason `idempotency-conflict`).
public struct CreateBooking: Command, Equatable {
    public static let messageType = MessageType("booking.create", version: 1)

    public var bookingId: UUID
    public var customerId: UUID
    public var flightId: UUID
    /// A cabin's wire name: first, business, premium-economy or economy.
    public var cabin: String
    public var passengers: [PassengerDetails]
    public var contactEmail: String
    /// The payment provider's token for the card; never a card number.
    public var paymentToken: String
    public var idempotencyKey: String?

    public init(bookingId: UUID, customerId: UUID, flightId: UUID, cabin: String, passengers: [PassengerDetails],
                contactEmail: String, paymentToken: String, idempotencyKey: String? = nil) {
        self.bookingId = bookingId
        self.customerId = customerId
        self.flightId = flightId
        self.cabin = cabin
        self.passengers = passengers
        self.contactEmail = contactEmail
        self.paymentToken = paymentToken
        self.idempotencyKey = idempotencyKey
    }

    public func validate() throws {
        guard Cabin(rawValue: cabin) != nil else {
            throw ValidationError(field: "cabin", "must be first, business, premium-economy or economy")
        }
        try BookingRules.passengers(passengers)
        try CustomerRules.checkEmail(contactEmail, field: "contactEmail")
        try BookingRules.paymentToken(paymentToken)
        if let idempotencyKey { try BookingRules.idempotencyKey(idempotencyKey) }
    }
}

/// Who asks for a cancellation; the ingress checks that a customer owns the booking.
public enum BookingActor: String, Codable, Sendable, CaseIterable {
    case customer, agent, admin
}

/// Cancels a booking: its seats are released and a refund follows the written policy
/// (Consumers/Bookings/README.md). A booking still in progress is cancelled with a full refund
/// of whatever was charged.
public struct CancelBooking: Command, Equatable {
    public static let messageType = MessageType("booking.cancel", version: 1)

    public var bookingId: UUID
    /// The customer or staff member asking.
    public var requestedBy: UUID
    public var actor: BookingActor
    public var reason: String?

    public init(bookingId: UUID, requestedBy: UUID, actor: BookingActor, reason: String? = nil) {
        self.bookingId = bookingId
        self.requestedBy = requestedBy
        self.actor = actor
        self.reason = reason
    }

    public func validate() throws {
        try FlightRules.reason(reason)
    }
}
