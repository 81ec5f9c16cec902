import Contracts
import Fleet
import Foundation

/// The answers of flights and payments, each turned into a saga input for its booking.
/// Answers about holds or payments that are not a booking's own (another hold id, a booking
/// this context never made) change nothing.
struct SagaHandlers {
    let saga: SagaRunner

    func seatsHeld(_ envelope: Envelope<SeatsHeld>, _ context: HandlerContext) throws {
        let held = envelope.data
        guard let booking = try ownBooking(held.bookingId, hold: held.holdId, context) else { return }
        try saga.advance(booking, on: .seatsHeld, context) { booking in
            booking.seats = held.seats
            booking.pricePerSeat = held.pricePerSeat
            booking.total = held.total
            booking.currency = held.currency
            booking.holdExpiresAt = held.expiresAt
            booking.departure = held.departure ?? booking.departure
            // Passengers without a chosen seat get the allocated ones in order.
            if booking.passengers.allSatisfy({ $0.seat == nil }) {
                for (index, seat) in zip(booking.passengers.indices, held.seats) { booking.passengers[index].seat = seat }
            }
        }
    }

    func holdRejected(_ envelope: Envelope<SeatsHoldRejected>, _ context: HandlerContext) throws {
        let rejected = envelope.data
        guard let booking = try ownBooking(rejected.bookingId, hold: rejected.holdId, context) else { return }
        try saga.advance(booking, on: .holdRejected(rejected.reason, seats: rejected.seats), context)
    }

    func holdExpired(_ envelope: Envelope<SeatsHoldExpired>, _ context: HandlerContext) throws {
        guard let booking = try ownBooking(envelope.data.bookingId, hold: envelope.data.holdId, context) else { return }
        try saga.advance(booking, on: .holdExpired, context)
    }

    func seatsConfirmed(_ envelope: Envelope<SeatsConfirmed>, _ context: HandlerContext) throws {
        guard let booking = try ownBooking(envelope.data.bookingId, hold: envelope.data.holdId, context) else { return }
        try saga.advance(booking, on: .seatsConfirmed, context)
    }

    func confirmRejected(_ envelope: Envelope<SeatsConfirmRejected>, _ context: HandlerContext) throws {
        guard let booking = try ownBooking(envelope.data.bookingId, hold: envelope.data.holdId, context) else { return }
        try saga.advance(booking, on: .confirmRejected(envelope.data.reason), context)
    }

    func paymentCaptured(_ envelope: Envelope<PaymentCaptured>, _ context: HandlerContext) throws {
        try saga.advance(envelope.data.bookingId, on: .paymentCaptured(amount: envelope.data.amount), context)
    }

    func paymentDeclined(_ envelope: Envelope<PaymentDeclined>, _ context: HandlerContext) throws {
        try saga.advance(envelope.data.bookingId, on: .paymentDeclined(envelope.data.reason), context)
    }

    func paymentFailed(_ envelope: Envelope<PaymentFailed>, _ context: HandlerContext) throws {
        try saga.advance(envelope.data.bookingId, on: .paymentFailed, context)
    }

    /// Refunds change no state; the booking records how its refund ended.
    func paymentRefunded(_ envelope: Envelope<PaymentRefunded>, _ context: HandlerContext) throws {
        try recordRefund(envelope.data.bookingId, envelope.data.refundId, status: "refunded", context)
    }

    func refundFailed(_ envelope: Envelope<PaymentRefundFailed>, _ context: HandlerContext) throws {
        context.logger.error("refund failed", metadata: ["booking_id": "\(envelope.data.bookingId.lowercasedString)",
                                                         "reason": "\(envelope.data.reason.rawValue)"])
        try recordRefund(envelope.data.bookingId, envelope.data.refundId, status: "failed", context)
    }

    private func recordRefund(_ bookingId: UUID, _ refundId: UUID, status: String, _ context: HandlerContext) throws {
        try context.database.execute(
            "UPDATE bookings SET refund_status = $3, updated_at = $4 WHERE booking_id = $1 AND refund_id = $2",
            bookingId, refundId, status, context.now)
    }

    private func ownBooking(_ bookingId: UUID, hold: UUID, _ context: HandlerContext) throws -> BookingRecord? {
        guard let booking = try BookingStore.loadForUpdate(context, bookingId), booking.holdId == hold else {
            return nil
        }
        return booking
    }
}
