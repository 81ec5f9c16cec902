import Fleet
import Foundation

/// The card was charged (authorised and captured).
public struct PaymentCaptured: Event, Equatable {
    public static let messageType = MessageType("payment.captured", version: 1)
    public var paymentId: UUID
    public var bookingId: UUID
    public var amount: Int
    public var currency: String
    /// The last four digits the provider reports; the card number itself never reaches Airfleet.
    public var cardLast4: String
    /// The provider's id of the charge.
    public var gatewayReference: String
    public var capturedAt: Date

    public init(paymentId: UUID, bookingId: UUID, amount: Int, currency: String, cardLast4: String,
                gatewayReference: String, capturedAt: Date) {
        self.paymentId = paymentId
        self.bookingId = bookingId
        self.amount = amount
        self.currency = currency
        self.cardLast4 = cardLast4
        self.gatewayReference = gatewayReference
        self.capturedAt = capturedAt
    }
}

/// The card's bank said no; retrying will not help.
public struct PaymentDeclined: Event, Equatable {
    public static let messageType = MessageType("payment.declined", version: 1)

    public enum Reason: String, Codable, Sendable, CaseIterable {
        case cardDeclined = "card-declined"
        case insufficientFunds = "insufficient-funds"
        /// The provider does not know the token.
        case invalidToken = "invalid-token"
    }

    public var paymentId: UUID
    public var bookingId: UUID
    public var reason: Reason
    public var cardLast4: String?

    public init(paymentId: UUID, bookingId: UUID, reason: Reason, cardLast4: String?) {
        self.paymentId = paymentId
        self.bookingId = bookingId
        self.reason = reason
        self.cardLast4 = cardLast4
    }
}

/// The provider could not be reached: its circuit breaker is open, or every retry failed.
/// Nothing was charged.
public struct PaymentFailed: Event, Equatable {
    public static let messageType = MessageType("payment.failed", version: 1)

    public enum Reason: String, Codable, Sendable, CaseIterable {
        /// Too many recent failures: calls are refused without trying, until the provider recovers.
        case circuitOpen = "circuit-open"
        case retriesExhausted = "retries-exhausted"
    }

    public var paymentId: UUID
    public var bookingId: UUID
    public var reason: Reason
    public var detail: String

    public init(paymentId: UUID, bookingId: UUID, reason: Reason, detail: String) {
        self.paymentId = paymentId
        self.bookingId = bookingId
        self.reason = reason
        self.detail = detail
    }
}

public struct PaymentRefunded: Event, Equatable {
    public static let messageType = MessageType("payment.refunded", version: 1)
    public var refundId: UUID
    public var paymentId: UUID
    public var bookingId: UUID
    public var amount: Int
    public var currency: String
    public var gatewayReference: String
    public var refundedAt: Date

    public init(refundId: UUID, paymentId: UUID, bookingId: UUID, amount: Int, currency: String, gatewayReference: String,
                refundedAt: Date) {
        self.refundId = refundId
        self.paymentId = paymentId
        self.bookingId = bookingId
        self.amount = amount
        self.currency = currency
        self.gatewayReference = gatewayReference
        self.refundedAt = refundedAt
    }
}

/// A refund that cannot be made as asked. A provider outage is not this: the refund waits on
/// the retry ladder, then in the dead letters for an operator to replay.
public struct PaymentRefundFailed: Event, Equatable {
    public static let messageType = MessageType("payment.refund-failed", version: 1)

    public enum Reason: String, Codable, Sendable, CaseIterable {
        /// The booking has no captured charge.
        case noCharge = "no-charge"
        /// More than what is left of the charge after earlier refunds.
        case exceedsCharge = "exceeds-charge"
    }

    public var refundId: UUID
    public var bookingId: UUID
    public var reason: Reason
    public var detail: String

    public init(refundId: UUID, bookingId: UUID, reason: Reason, detail: String) {
        self.refundId = refundId
        self.bookingId = bookingId
        self.reason = reason
        self.detail = detail
    }
}
