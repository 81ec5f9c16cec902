import Fleet
import Foundation

/// Seats are held for a booking at a price quoted now, fixed for the life of the hold.
public struct SeatsHeld: Event, Equatable {
    public static let messageType = MessageType("seats.held", version: 1)
    public var holdId: UUID
    public var bookingId: UUID
    public var flightId: UUID
    public var cabin: String
    public var seats: [String]
    /// The price of each seat, in minor units of `currency`.
    public var pricePerSeat: Int
    public var total: Int
    public var currency: String
    public var expiresAt: Date
    /// The flight's departure when the seats were held, for the booking's cancellation policy.
    public var departure: Date?

    public init(holdId: UUID, bookingId: UUID, flightId: UUID, cabin: String, seats: [String], pricePerSeat: Int,
                total: Int, currency: String, expiresAt: Date, departure: Date? = nil) {
        self.holdId = holdId
        self.bookingId = bookingId
        self.flightId = flightId
        self.cabin = cabin
        self.seats = seats
        self.pricePerSeat = pricePerSeat
        self.total = total
        self.currency = currency
        self.expiresAt = expiresAt
        self.departure = departure
    }
}

public struct SeatsHoldRejected: Event, Equatable {
    public static let messageType = MessageType("seats.hold-rejected", version: 1)

    public enum Reason: String, Codable, Sendable, CaseIterable {
        /// Fewer seats left in the cabin than asked.
        case soldOut = "sold-out"
        /// A seat named is held or sold already.
        case seatTaken = "seat-taken"
        /// The aircraft has no such cabin.
        case cabinUnknown = "cabin-unknown"
        /// A seat named is on the aircraft, but in another cabin (see `seats`).
        case seatNotInCabin = "seat-not-in-cabin"
        /// A seat named does not exist on the aircraft (see `seats`).
        case seatUnknown = "seat-unknown"
        case flightNotFound = "flight-not-found"
        case flightCancelled = "flight-cancelled"
        /// The flight has left.
        case flightDeparted = "flight-departed"
        /// A release of this holdId came first; the hold is not made.
        case holdReleased = "hold-released"
    }

    public var holdId: UUID
    public var bookingId: UUID
    public var flightId: UUID
    public var reason: Reason
    /// For `seat-taken` and an unknown seat: the seats at fault.
    public var seats: [String]?

    public init(holdId: UUID, bookingId: UUID, flightId: UUID, reason: Reason, seats: [String]? = nil) {
        self.holdId = holdId
        self.bookingId = bookingId
        self.flightId = flightId
        self.reason = reason
        self.seats = seats
    }
}

/// A hold's seats are free again. `flightId` and `bookingId` are absent when the release came
/// before any hold of that id (the hold, if it comes later, is refused with `hold-released`).
public struct SeatsReleased: Event, Equatable {
    public static let messageType = MessageType("seats.released", version: 1)
    public var holdId: UUID
    public var bookingId: UUID?
    public var flightId: UUID?
    public var cabin: String?
    public var seats: [String]

    public init(holdId: UUID, bookingId: UUID?, flightId: UUID?, cabin: String?, seats: [String]) {
        self.holdId = holdId
        self.bookingId = bookingId
        self.flightId = flightId
        self.cabin = cabin
        self.seats = seats
    }
}

public struct SeatsConfirmed: Event, Equatable {
    public static let messageType = MessageType("seats.confirmed", version: 1)
    public var holdId: UUID
    public var bookingId: UUID
    public var flightId: UUID
    public var cabin: String
    public var seats: [String]
    public var pricePerSeat: Int
    public var total: Int
    public var currency: String

    public init(holdId: UUID, bookingId: UUID, flightId: UUID, cabin: String, seats: [String], pricePerSeat: Int,
                total: Int, currency: String) {
        self.holdId = holdId
        self.bookingId = bookingId
        self.flightId = flightId
        self.cabin = cabin
        self.seats = seats
        self.pricePerSeat = pricePerSeat
        self.total = total
        self.currency = currency
    }
}

public struct SeatsConfirmRejected: Event, Equatable {
    public static let messageType = MessageType("seats.confirm-rejected", version: 1)

    public enum Reason: String, Codable, Sendable, CaseIterable {
        /// The hold expired or was released before the confirmation.
        case holdExpired = "hold-expired"
        /// No hold of that id for that booking.
        case holdUnknown = "hold-unknown"
        case flightCancelled = "flight-cancelled"
    }

    public var holdId: UUID
    public var bookingId: UUID
    public var reason: Reason

    public init(holdId: UUID, bookingId: UUID, reason: Reason) {
        self.holdId = holdId
        self.bookingId = bookingId
        self.reason = reason
    }
}

public struct SeatsHoldExpired: Event, Equatable {
    public static let messageType = MessageType("seats.hold-expired", version: 1)
    public var holdId: UUID
    public var bookingId: UUID
    public var flightId: UUID
    public var cabin: String
    public var seats: [String]
    public var expiredAt: Date

    public init(holdId: UUID, bookingId: UUID, flightId: UUID, cabin: String, seats: [String], expiredAt: Date) {
        self.holdId = holdId
        self.bookingId = bookingId
        self.flightId = flightId
        self.cabin = cabin
        self.seats = seats
        self.expiredAt = expiredAt
    }
}
