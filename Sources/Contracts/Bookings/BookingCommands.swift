import Fleet
import Foundation

/// Books seats on a flight and pays for them: the start of the booking saga.
///
/// The ingress generates `bookingId`. With an `idempotencyKey`, the same key and the same body
/// from the same customer name the same booking (`booking.deduplicated.v1`); the same key with
/// another body is refused (`booking.rejected.v1`, reason `idempotency-conflict`).
extension CreateBooking {
    public func validate() throws {
        try BookingRules.passengers(passengers)
        try CustomerRules.checkEmail(contactEmail, field: "contactEmail")
        try BookingRules.paymentToken(paymentToken)
        if let idempotencyKey { try BookingRules.idempotencyKey(idempotencyKey) }
    }
}

/// Cancels a booking: its seats are released and a refund follows the written policy
/// (Consumers/Bookings/README.md). A booking still in progress is cancelled with a full refund
/// of whatever was charged.
extension CancelBooking {
    public func validate() throws {
        try FlightRules.reason(reason)
    }
}
