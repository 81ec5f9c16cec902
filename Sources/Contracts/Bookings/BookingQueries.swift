import Fleet
import Foundation

/// One booking by id or by record locator. Not found is a `not-found` query error. The answer
/// names the owner, so the ingress can let the owner, agents and admins see it, and nobody else.
public struct GetBooking: Query, Equatable {
    public static let messageType = MessageType("booking.get", version: 1)
    public var bookingId: UUID?
    public var pnr: String?

    public init(bookingId: UUID) {
        self.bookingId = bookingId
    }

    public init(pnr: String) {
        self.pnr = pnr
    }

    public func validate() throws {
        switch (bookingId, pnr) {
        case (nil, nil), (.some, .some): throw ValidationError(field: "bookingId", "give either bookingId or pnr, not both or neither")
        case (nil, let pnr?): try BookingRules.recordLocator(pnr)
        default: break
        }
    }

    public struct Response: Codable, Sendable, Equatable {
        public var booking: BookingView
        public init(booking: BookingView) { self.booking = booking }
    }
}

/// A customer's bookings (their history), or a flight's bookings (for agents and admins), newest
/// first, a page at a time. Give `customerId`, `flightId` or both.
public struct ListBookings: Query, Equatable {
    public static let messageType = MessageType("booking.list", version: 1)
    public var customerId: UUID?
    public var flightId: UUID?
    public var states: [BookingState]?
    public var page: Int?
    public var pageSize: Int?

    public init(customerId: UUID? = nil, flightId: UUID? = nil, states: [BookingState]? = nil, page: Int? = nil,
                pageSize: Int? = nil) {
        self.customerId = customerId
        self.flightId = flightId
        self.states = states
        self.page = page
        self.pageSize = pageSize
    }

    public var effectivePage: Int { page ?? 1 }
    public var effectivePageSize: Int { pageSize ?? 20 }

    public func validate() throws {
        guard customerId != nil || flightId != nil else {
            throw ValidationError(field: "customerId", "give customerId, flightId or both")
        }
        // Bounded so that (page - 1) × pageSize can never overflow in the query.
        if let page, !(1...10_000).contains(page) { throw ValidationError(field: "page", "must be 1 to 10000") }
        if let pageSize, !(1...200).contains(pageSize) { throw ValidationError(field: "pageSize", "must be 1 to 200") }
    }

    public struct Response: Codable, Sendable, Equatable {
        public var bookings: [BookingView]
        public var page: Int
        public var pageSize: Int
        public var total: Int

        public init(bookings: [BookingView], page: Int, pageSize: Int, total: Int) {
            self.bookings = bookings
            self.page = page
            self.pageSize = pageSize
            self.total = total
        }
    }
}

/// What `GET /v1/bookings/{id}` shows.
public struct BookingView: Codable, Sendable, Equatable {
    public var bookingId: UUID
    public var pnr: String?
    public var customerId: UUID
    public var flightId: UUID
    public var cabin: String
    public var state: BookingState
    /// Why it failed (a `BookingFailureReason`) or was cancelled (a `BookingCancellationReason`).
    public var reason: String?
    public var detail: String?
    public var passengers: [BookedPassenger]
    public var seats: [String]
    public var pricePerSeat: Int?
    public var total: Int?
    public var currency: String?
    /// What was charged, once the payment is captured.
    public var charged: Int?
    public var refund: Refund?
    public var contactEmail: String
    public var idempotencyKey: String?
    public var holdExpiresAt: Date?
    public var departure: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var confirmedAt: Date?
    /// When it became failed, expired or cancelled.
    public var closedAt: Date?

    public struct Refund: Codable, Sendable, Equatable {
        public enum Status: String, Codable, Sendable, CaseIterable {
            case pending, refunded, failed
        }
        public var amount: Int
        public var status: Status
        public init(amount: Int, status: Status) {
            self.amount = amount
            self.status = status
        }
    }

    public init(bookingId: UUID, pnr: String?, customerId: UUID, flightId: UUID, cabin: String, state: BookingState,
                reason: String?, detail: String?, passengers: [BookedPassenger], seats: [String], pricePerSeat: Int?,
                total: Int?, currency: String?, charged: Int?, refund: Refund?, contactEmail: String, idempotencyKey: String?,
                holdExpiresAt: Date?, departure: Date?, createdAt: Date, updatedAt: Date, confirmedAt: Date?, closedAt: Date?) {
        self.bookingId = bookingId
        self.pnr = pnr
        self.customerId = customerId
        self.flightId = flightId
        self.cabin = cabin
        self.state = state
        self.reason = reason
        self.detail = detail
        self.passengers = passengers
        self.seats = seats
        self.pricePerSeat = pricePerSeat
        self.total = total
        self.currency = currency
        self.charged = charged
        self.refund = refund
        self.contactEmail = contactEmail
        self.idempotencyKey = idempotencyKey
        self.holdExpiresAt = holdExpiresAt
        self.departure = departure
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.confirmedAt = confirmedAt
        self.closedAt = closedAt
    }
}

/// Whether a booking request was made before, asked before it is published so that a client
/// who reuses an idempotency key with another body is told at once. The answer compares the
/// request with the booking its bookingId or its customer's idempotency key names, the way
/// `booking.create.v1` will: `same` is a retry of it, `conflict` is another request.
public struct CheckBookingRequest: Query, Equatable {
    public static let messageType = MessageType("booking.check-request", version: 1)
    public var request: CreateBooking

    public init(request: CreateBooking) {
        self.request = request
    }

    public func validate() throws {
        do {
            try request.validate()
        } catch let error as ValidationError {
            throw ValidationError(field: "request.\(error.field)", error.reason)
        }
    }

    public struct Response: Codable, Sendable, Equatable {
        public enum Verdict: String, Codable, Sendable, CaseIterable {
            /// No booking has that bookingId, nor the customer that idempotency key.
            case new
            /// The booking found was made by the same request.
            case same
            /// The booking found was made by another request.
            case conflict
        }

        public var verdict: Verdict
        /// The booking found, for `same` and `conflict`.
        public var bookingId: UUID?
        public var state: BookingState?

        public init(verdict: Verdict, bookingId: UUID? = nil, state: BookingState? = nil) {
            self.verdict = verdict
            self.bookingId = bookingId
            self.state = state
        }
    }
}
