import Fleet
import Foundation

/// A booking's payment and its refunds. Not found is a `not-found` query error.
public struct GetPayment: Query, Equatable {
    public static let messageType = MessageType("payment.get", version: 1)
    public var bookingId: UUID

    public init(bookingId: UUID) {
        self.bookingId = bookingId
    }

    public struct Response: Codable, Sendable, Equatable {
        public var payment: PaymentView
        public init(payment: PaymentView) { self.payment = payment }
    }
}

public struct PaymentView: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable {
        case pending, captured, declined, failed
    }

    public struct Refund: Codable, Sendable, Equatable {
        public enum State: String, Codable, Sendable, CaseIterable {
            case pending, refunded, failed
        }
        public var refundId: UUID
        public var amount: Int
        public var state: State
        public var reason: String
        public var createdAt: Date

        public init(refundId: UUID, amount: Int, state: State, reason: String, createdAt: Date) {
            self.refundId = refundId
            self.amount = amount
            self.state = state
            self.reason = reason
            self.createdAt = createdAt
        }
    }

    public var paymentId: UUID
    public var bookingId: UUID
    public var customerId: UUID
    public var state: State
    public var amount: Int
    public var currency: String
    /// A masked reference to the token used (its kind and last characters), never the token.
    public var tokenReference: String
    public var cardLast4: String?
    public var gatewayReference: String?
    /// Why it was declined or failed.
    public var reason: String?
    public var refunded: Int
    public var refunds: [Refund]
    public var createdAt: Date
    public var updatedAt: Date

    public init(paymentId: UUID, bookingId: UUID, customerId: UUID, state: State, amount: Int, currency: String,
                tokenReference: String, cardLast4: String?, gatewayReference: String?, reason: String?, refunded: Int,
                refunds: [Refund], createdAt: Date, updatedAt: Date) {
        self.paymentId = paymentId
        self.bookingId = bookingId
        self.customerId = customerId
        self.state = state
        self.amount = amount
        self.currency = currency
        self.tokenReference = tokenReference
        self.cardLast4 = cardLast4
        self.gatewayReference = gatewayReference
        self.reason = reason
        self.refunded = refunded
        self.refunds = refunds
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
