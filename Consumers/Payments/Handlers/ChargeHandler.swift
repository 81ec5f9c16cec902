import Contracts
import Fleet
import Foundation
import Postgres

/// `payment.charge.v1` → `payment.captured.v1`, `payment.declined.v1` or `payment.failed.v1`.
///
/// Exactly one charge per booking: the payment row (unique per booking and per idempotency key)
/// is written before the provider is called, and the key is derived from the booking, so every
/// delivery, retry or process asks the provider with the same key and the provider answers all
/// of them with the first result. A payment that has ended announces its outcome again instead
/// of calling anyone.
struct ChargeHandler {
    let gateway: any PaymentGateway
    let calls: GatewayCalls
    /// Deliveries of one charge before giving up as `retries-exhausted` (the retry ladder's rungs + 1).
    let maxDeliveries: Int
    /// How long before its hold runs out a charge stops waiting for an open breaker: time for
    /// the call itself and for the seats' confirmation that follows it.
    let holdMargin: TimeInterval
    /// Answers asked for before the batch's transaction, with the batch's other charges.
    var prepared: ConcurrentCharges?

    func handle(_ envelope: Envelope<ChargePayment>, _ context: HandlerContext) throws {
        let command = envelope.data
        try context.write(
            """
            INSERT INTO payments (payment_id, booking_id, idempotency_key, customer_id, amount, currency, token_reference,
                state, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8) ON CONFLICT DO NOTHING
            """,
            UUID.timeOrdered(), command.bookingId, PaymentStore.chargeKey(command.bookingId), command.customerId, command.amount,
            command.currency, SandboxCard.reference(of: command.paymentToken), context.now)
        var payment = try PaymentStore.load(context, bookingId: command.bookingId, lock: true)!
        if let outcome = PaymentStore.outcome(payment) {
            return try context.emitPaymentEvent(outcome, bookingId: payment.bookingId)
        }
        payment.attempts += 1
        let request = ChargeRequest(idempotencyKey: payment.idempotencyKey, token: command.paymentToken,
                                    amount: payment.amount, currency: payment.currency, description: command.description)
        let answer = prepared?.take(command.bookingId) ?? calls.run("charge") { () throws(GatewayError) in try gateway.charge(request) }
        switch answer {
        case .answered(.captured(let reference, let last4)):
            try PaymentStore.finish(context, payment, state: .captured, last4: last4, reference: reference, now: context.now)
            try context.emit(PaymentCaptured(paymentId: payment.paymentId, bookingId: payment.bookingId, amount: payment.amount,
                                             currency: payment.currency, cardLast4: last4, gatewayReference: reference,
                                             capturedAt: context.now), subject: subject(payment))
        case .answered(.declined(let reason, let last4)):
            try PaymentStore.finish(context, payment, state: .declined, last4: last4, reason: reason.rawValue, now: context.now)
            try context.emit(PaymentDeclined(paymentId: payment.paymentId, bookingId: payment.bookingId, reason: reason,
                                             cardLast4: last4), subject: subject(payment))
        case .circuitOpen:
            try waitForBreaker(payment, holdExpiresAt: command.holdExpiresAt, context)
        case .failed(let error):
            guard context.attempt >= maxDeliveries else {
                throw HandlerError.transient("\(error); charge of booking \(payment.bookingId.lowercasedString) retried with the same key")
            }
            try fail(payment, .retriesExhausted, "\(error) after \(context.attempt) deliveries", context)
        }
    }

    /// The breaker refused the call without trying the card. The charge comes back once the
    /// breaker lets a trial through (`HandlerError.later`: off this batch, without using a rung of
    /// the ladder), unless the booking's hold would run out before then: only then it fails as
    /// `circuit-open`. A charge that knows no hold cannot wait safely and fails at once.
    private func waitForBreaker(_ payment: PaymentRecord, holdExpiresAt: Date?, _ context: HandlerContext) throws {
        let wait = calls.breaker.timeUntilTrial
        let booking = payment.bookingId.lowercasedString
        guard let holdExpiresAt else {
            return try fail(payment, .circuitOpen, "too many recent provider failures; not tried (the charge names no hold to wait within)", context)
        }
        let tryAgainAt = context.now.addingTimeInterval(wait)
        let seconds = String(format: "%.1f", wait)
        guard tryAgainAt.addingTimeInterval(holdMargin) < holdExpiresAt else {
            return try fail(payment, .circuitOpen, "too many recent provider failures; not tried: the breaker lets a call through in "
                                + "\(seconds) s, too late for the seats held until \(FleetJSON.formatTimestamp(holdExpiresAt))", context)
        }
        throw HandlerError.later("the provider's circuit breaker is open; the charge of booking \(booking) waits \(seconds) s for it",
                                 after: .milliseconds(Int64((wait * 1000).rounded(.up))))
    }

    private func fail(_ payment: PaymentRecord, _ reason: PaymentFailed.Reason, _ detail: String,
                      _ context: HandlerContext) throws {
        context.logger.warning("payment failed", metadata: ["booking_id": "\(payment.bookingId.lowercasedString)", "reason": "\(reason.rawValue)"])
        try PaymentStore.finish(context, payment, state: .failed, reason: reason.rawValue, now: context.now)
        try context.emit(PaymentFailed(paymentId: payment.paymentId, bookingId: payment.bookingId, reason: reason,
                                       detail: detail), subject: subject(payment))
    }

    private func subject(_ payment: PaymentRecord) -> String { payment.bookingId.lowercasedString }
}
