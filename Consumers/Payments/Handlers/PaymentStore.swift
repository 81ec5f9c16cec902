import Contracts
import Fleet
import Foundation
import Postgres

/// A row of `payments`.
struct PaymentRecord {
    var paymentId: UUID
    var bookingId: UUID
    var idempotencyKey: String
    var customerId: UUID
    var amount: Int
    var currency: String
    var tokenReference: String
    var state: PaymentView.State
    var cardLast4: String?
    var gatewayReference: String?
    var reason: String?
    var attempts: Int
    var createdAt: Date
    var updatedAt: Date
}

enum PaymentStore {
    static let columns = """
        payment_id, booking_id, idempotency_key, customer_id, amount, currency, token_reference, state, card_last4,
        gateway_reference, reason, attempts, created_at, updated_at
        """

    /// The provider's idempotency key of a booking's charge: the same whichever process asks.
    static func chargeKey(_ bookingId: UUID) -> String { "airfleet-charge-\(bookingId.lowercasedString)" }
    static func refundKey(_ refundId: UUID) -> String { "airfleet-refund-\(refundId.lowercasedString)" }

    static func load(_ db: PostgresConnection, bookingId: UUID, lock: Bool = false) throws -> PaymentRecord? {
        try db.query(selecting(lock: lock), bookingId).first.map(record)
    }

    /// The same inside a handler: the read travels with the writes the batch queued before it.
    static func load(_ context: HandlerContext, bookingId: UUID, lock: Bool = false) throws -> PaymentRecord? {
        try context.query(selecting(lock: lock), bookingId).first.map(record)
    }

    private static func selecting(lock: Bool) -> String {
        "SELECT \(columns) FROM payments WHERE booking_id = $1\(lock ? " FOR UPDATE" : "")"
    }

    static func record(_ row: PostgresRow) throws -> PaymentRecord {
        PaymentRecord(
            paymentId: try row.decode(UUID.self, column: "payment_id"), bookingId: try row.decode(UUID.self, column: "booking_id"),
            idempotencyKey: try row.decode(String.self, column: "idempotency_key"), customerId: try row.decode(UUID.self, column: "customer_id"),
            amount: try row.decode(Int.self, column: "amount"), currency: try row.decode(String.self, column: "currency"),
            tokenReference: try row.decode(String.self, column: "token_reference"),
            state: try row.decode(PaymentView.State.self, column: "state"),
            cardLast4: try row.decode(String?.self, column: "card_last4"), gatewayReference: try row.decode(String?.self, column: "gateway_reference"),
            reason: try row.decode(String?.self, column: "reason"), attempts: try row.decode(Int.self, column: "attempts"),
            createdAt: try row.decode(Date.self, column: "created_at"), updatedAt: try row.decode(Date.self, column: "updated_at"))
    }

    /// Queued with the batch's writes.
    static func finish(_ context: HandlerContext, _ payment: PaymentRecord, state: PaymentView.State, last4: String? = nil,
                       reference: String? = nil, reason: String? = nil, now: Date) throws {
        try context.write(
            """
            UPDATE payments SET state = $2, card_last4 = $3, gateway_reference = $4, reason = $5, attempts = $6, updated_at = $7
            WHERE payment_id = $1 AND state = 'pending'
            """,
            payment.paymentId, state.rawValue, last4, reference, reason, payment.attempts, now)
    }

    /// The event that announced how a payment ended, to say again when its charge comes back.
    static func outcome(_ payment: PaymentRecord) -> (any Event)? {
        switch payment.state {
        case .pending:
            return nil
        case .captured:
            return PaymentCaptured(paymentId: payment.paymentId, bookingId: payment.bookingId, amount: payment.amount,
                                   currency: payment.currency, cardLast4: payment.cardLast4 ?? "0000",
                                   gatewayReference: payment.gatewayReference ?? "", capturedAt: payment.updatedAt)
        case .declined:
            return PaymentDeclined(paymentId: payment.paymentId, bookingId: payment.bookingId,
                                   reason: PaymentDeclined.Reason(rawValue: payment.reason ?? "") ?? .cardDeclined,
                                   cardLast4: payment.cardLast4)
        case .failed:
            return PaymentFailed(paymentId: payment.paymentId, bookingId: payment.bookingId,
                                 reason: PaymentFailed.Reason(rawValue: payment.reason ?? "") ?? .retriesExhausted,
                                 detail: "payment provider unavailable")
        }
    }
}

extension HandlerContext {
    /// Emits one of the payment events, whichever it is.
    func emitPaymentEvent(_ event: any Event, bookingId: UUID) throws {
        let subject = bookingId.lowercasedString
        switch event {
        case let event as PaymentCaptured: try emit(event, subject: subject)
        case let event as PaymentDeclined: try emit(event, subject: subject)
        case let event as PaymentFailed: try emit(event, subject: subject)
        case let event as PaymentRefunded: try emit(event, subject: subject)
        case let event as PaymentRefundFailed: try emit(event, subject: subject)
        default: preconditionFailure("not a payment event: \(type(of: event))")
        }
    }
}
