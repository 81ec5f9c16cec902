import Contracts
import Fleet
import Foundation
import Postgres

/// `payment.refund.v1` → `payment.refunded.v1` or `payment.refund-failed.v1`.
///
/// Keyed by refundId, like charges by booking. Money owed back is never given up on: while the
/// provider is away the refund climbs the retry ladder, and after it, waits in the dead letters
/// for an operator to replay it.
struct RefundHandler {
    let gateway: any PaymentGateway
    let calls: GatewayCalls

    func handle(_ envelope: Envelope<RefundPayment>, _ context: HandlerContext) throws {
        let command = envelope.data
        let db = context.database
        if let done = try db.query(
            "SELECT state, amount, failure, gateway_reference, updated_at FROM refunds WHERE refund_id = $1 AND state <> 'pending'",
            command.refundId).first {
            return try announceAgain(command, done, context)
        }
        guard let payment = try PaymentStore.load(db, bookingId: command.bookingId, lock: true), payment.state == .captured,
              let chargeReference = payment.gatewayReference else {
            return try refuse(command, .noCharge, "booking \(command.bookingId.lowercasedString) has no captured charge", paymentId: nil, context)
        }
        let committed = try db.query(
            "SELECT coalesce(sum(amount), 0) AS refunded FROM refunds WHERE payment_id = $1 AND state <> 'failed' AND refund_id <> $2",
            payment.paymentId, command.refundId).first!.decode(Int.self, column: "refunded")
        guard committed + command.amount <= payment.amount else {
            return try refuse(command, .exceedsCharge, "\(command.amount) asked, \(payment.amount - committed) left of the charge",
                              paymentId: payment.paymentId, context)
        }
        try db.execute(
            """
            INSERT INTO refunds (refund_id, payment_id, booking_id, amount, state, reason, created_at, updated_at)
            VALUES ($1, $2, $3, $4, 'pending', $5, $6, $6) ON CONFLICT DO NOTHING
            """, command.refundId, payment.paymentId, payment.bookingId, command.amount, command.reason, context.now)
        let request = RefundRequest(idempotencyKey: PaymentStore.refundKey(command.refundId), chargeReference: chargeReference,
                                    amount: command.amount)
        switch calls.run("refund", { () throws(GatewayError) in try gateway.refund(request) }) {
        case .answered(.refunded(let reference)):
            try db.execute("UPDATE refunds SET state = 'refunded', gateway_reference = $2, updated_at = $3 WHERE refund_id = $1",
                           command.refundId, reference, context.now)
            try context.emit(PaymentRefunded(refundId: command.refundId, paymentId: payment.paymentId,
                                             bookingId: payment.bookingId, amount: command.amount, currency: payment.currency,
                                             gatewayReference: reference, refundedAt: context.now),
                             subject: payment.bookingId.lowercasedString)
        case .answered(.refused(let why)):
            try refuse(command, .exceedsCharge, "provider refused: \(why)", paymentId: payment.paymentId, context)
        case .circuitOpen:
            throw HandlerError.transient("payment provider circuit open; refund \(command.refundId.lowercasedString) waits")
        case .failed(let error):
            throw HandlerError.transient("\(error); refund \(command.refundId.lowercasedString) retried with the same key")
        }
    }

    private func refuse(_ command: RefundPayment, _ reason: PaymentRefundFailed.Reason, _ detail: String, paymentId: UUID?,
                        _ context: HandlerContext) throws {
        try context.database.execute(
            """
            INSERT INTO refunds (refund_id, payment_id, booking_id, amount, state, reason, failure, created_at, updated_at)
            VALUES ($1, $2, $3, $4, 'failed', $5, $6, $7, $7)
            ON CONFLICT (refund_id) DO UPDATE SET state = 'failed', failure = $6, updated_at = $7
            """, command.refundId, paymentId, command.bookingId, command.amount, command.reason, reason.rawValue, context.now)
        try context.emit(PaymentRefundFailed(refundId: command.refundId, bookingId: command.bookingId, reason: reason,
                                             detail: detail), subject: command.bookingId.lowercasedString)
    }

    private func announceAgain(_ command: RefundPayment, _ row: PostgresRow, _ context: HandlerContext) throws {
        let subject = command.bookingId.lowercasedString
        if try row.decode(String.self, column: "state") == "refunded", let payment = try PaymentStore.load(context.database, bookingId: command.bookingId) {
            try context.emit(PaymentRefunded(refundId: command.refundId, paymentId: payment.paymentId, bookingId: command.bookingId,
                                             amount: try row.decode(Int.self, column: "amount"), currency: payment.currency,
                                             gatewayReference: try row.decode(String?.self, column: "gateway_reference") ?? "",
                                             refundedAt: try row.decode(Date.self, column: "updated_at")), subject: subject)
        } else {
            let reason = PaymentRefundFailed.Reason(rawValue: try row.decode(String?.self, column: "failure") ?? "") ?? .noCharge
            try context.emit(PaymentRefundFailed(refundId: command.refundId, bookingId: command.bookingId, reason: reason,
                                                 detail: "refused before"), subject: subject)
        }
    }
}
