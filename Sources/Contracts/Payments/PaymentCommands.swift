import Fleet
import Foundation

/// Charges a booking's card. Payments charges a booking at most once, however often this
/// arrives: the idempotency key is derived from `bookingId`.
extension ChargePayment {
    public func validate() throws {
        try PaymentRules.amount(amount)
        try FlightRules.currency(currency)
        try BookingRules.paymentToken(paymentToken)
        if let description, description.count > 200 { throw ValidationError(field: "description", "must be at most 200 characters") }
    }
}

/// Gives back `amount` of a booking's captured charge. `refundId` is the idempotency key: the
/// same refundId again refunds nothing more.
extension RefundPayment {
    public func validate() throws {
        try PaymentRules.amount(amount)
        guard (1...200).contains(reason.count) else { throw ValidationError(field: "reason", "must be 1 to 200 characters") }
    }
}

public enum PaymentRules {
    public static func amount(_ amount: Int, field: String = "amount") throws {
        guard (1...100_000_000).contains(amount) else {
            throw ValidationError(field: field, "must be 1 to 100000000 minor units")
        }
    }
}
