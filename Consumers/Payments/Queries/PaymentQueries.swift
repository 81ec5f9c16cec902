import Contracts
import Fleet
import Foundation

/// `payment.get.v1`.
enum PaymentQueries {
    static func get(_ envelope: Envelope<GetPayment>, _ context: QueryContext) throws -> GetPayment.Response {
        let db = context.database
        guard let payment = try PaymentStore.load(db, bookingId: envelope.data.bookingId) else {
            throw QueryError.notFound("no payment for booking \(envelope.data.bookingId.lowercasedString)")
        }
        let refunds = try db.query(
            "SELECT refund_id, amount, state, reason, created_at FROM refunds WHERE payment_id = $1 ORDER BY created_at, refund_id",
            payment.paymentId
        ).map { row in
            PaymentView.Refund(refundId: try row.decode(UUID.self, column: "refund_id"), amount: try row.decode(Int.self, column: "amount"),
                               state: try row.decode(PaymentView.Refund.State.self, column: "state"),
                               reason: try row.decode(String.self, column: "reason"), createdAt: try row.decode(Date.self, column: "created_at"))
        }
        return GetPayment.Response(payment: PaymentView(
            paymentId: payment.paymentId, bookingId: payment.bookingId, customerId: payment.customerId, state: payment.state,
            amount: payment.amount, currency: payment.currency, tokenReference: payment.tokenReference,
            cardLast4: payment.cardLast4, gatewayReference: payment.gatewayReference, reason: payment.reason,
            refunded: refunds.filter { $0.state == .refunded }.reduce(0) { $0 + $1.amount }, refunds: refunds,
            createdAt: payment.createdAt, updatedAt: payment.updatedAt))
    }
}
