import Fleet
import Foundation

/// One booking by id or by record locator. Not found is a `not-found` query error. The answer
/// names the owner, so the ingress can let the owner, agents and admins see it, and nobody else.
extension GetBooking {
    public func validate() throws {
        switch (bookingId, pnr) {
        case (nil, nil), (.some, .some): throw ValidationError(field: "bookingId", "give either bookingId or pnr, not both or neither")
        case (nil, let pnr?): try BookingRules.recordLocator(pnr)
        default: break
        }
    }
}

/// A customer's bookings (their history), or a flight's bookings (for agents and admins), newest
/// first, a page at a time. Give `customerId`, `flightId` or both.
extension ListBookings {
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
}

/// Whether a booking request was made before, asked before it is published so that a client
/// who reuses an idempotency key with another body is told at once. The answer compares the
/// request with the booking its bookingId or its customer's idempotency key names, the way
/// `booking.create.v1` will: `same` is a retry of it, `conflict` is another request.
extension CheckBookingRequest {
    public func validate() throws {
        do {
            try request.validate()
        } catch let error as ValidationError {
            throw ValidationError(field: "request.\(error.field)", error.reason)
        }
    }
}
