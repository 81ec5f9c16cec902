import Fleet
import Foundation

/// Charges a booking's card. Payments charges a booking at most once, however often this
/// arrives: the idempotency key is derived from `bookingId`.
public struct ChargePayment: Command, Equatable {
    public static let messageType = MessageType("payment.charge", version: 1)
    public var bookingId: UUID
    public var customerId: UUID
    /// Minor units of `currency`.
    public var amount: Int
    public var currency: String
    /// The provider's token for the card; Payments neither stores nor logs it.
    public var paymentToken: String
    public var description: String?
    /// When the booking's seats stop being held for it. A charge that cannot be tried now (the
    /// provider's circuit breaker is open) waits for the provider until shortly before then;
    /// without it, such a charge fails at once.
    public var holdExpiresAt: Date?

    public init(bookingId: UUID, customerId: UUID, amount: Int, currency: String, paymentToken: String,
                description: String? = nil, holdExpiresAt: Date? = nil) {
        self.bookingId = bookingId
        self.customerId = customerId
        self.amount = amount
        self.currency = currency
        self.paymentToken = paymentToken
        self.description = description
        self.holdExpiresAt = holdExpiresAt
    }

    public func validate() throws {
        try PaymentRules.amount(amount)
        try FlightRules.currency(currency)
        try BookingRules.paymentToken(paymentToken)
        if let description, description.count > 200 { throw ValidationError(field: "description", "must be at most 200 characters") }
    }
}

/// Gives back `amount` of a booking's captured charge. `refundId` is the idempotency key: the
/// same refundId again refunds nothing more.
public struct RefundPayment: Command, Equatable {
    public static let messageType = MessageType("payment.refund", version: 1)
    public var refundId: UUID
    public var bookingId: UUID
    public var amount: Int
    public var reason: String

    public init(refundId: UUID, bookingId: UUID, amount: Int, reason: String) {
        self.refundId = refundId
        self.bookingId = bookingId
        self.amount = amount
        self.reason = reason
    }

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
