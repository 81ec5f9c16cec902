import Contracts
import Fleet
import Foundation

/// Cancellations by a customer or an agent, and what a flight's status changes mean for its
/// bookings.
struct CancellationHandlers {
    let saga: SagaRunner

    /// `booking.cancel.v1` → `booking.cancelled.v1` (seats released, refund by the policy) or
    /// `booking.cancel-rejected.v1`.
    func cancel(_ envelope: Envelope<CancelBooking>, _ context: HandlerContext) throws {
        let command = envelope.data
        guard let booking = try BookingStore.loadForUpdate(context, command.bookingId) else {
            return try context.emit(BookingCancelRejected(bookingId: command.bookingId, reason: .notFound, state: nil),
                                    subject: command.bookingId.lowercasedString)
        }
        let refund = saga.settings.refundPolicy.refund(paid: booking.captured ?? 0, departure: booking.departure,
                                                       now: context.now)
        try saga.advance(booking, on: .cancel(command.actor, refund: refund), context) { booking in
            booking.cancelledBy = command.requestedBy
        }
    }

    /// `flight.cancelled.v1`: every booking of the flight still standing is cancelled with a
    /// full refund. Bookings are locked in id order, so two handlers never wait on each other.
    func flightCancelled(_ envelope: Envelope<FlightCancelled>, _ context: HandlerContext) throws {
        let rows = try context.database.query(
            """
            SELECT \(BookingStore.columns) FROM bookings
            WHERE flight_id = $1 AND state IN ('requested', 'seats-held', 'paid', 'confirmed')
            ORDER BY booking_id FOR UPDATE
            """, envelope.data.flightId)
        for booking in try rows.map(BookingStore.record) {
            try saga.advance(booking, on: .flightCancelled, context)
        }
    }

    /// `flight.delayed.v1`: the refund policy counts from the new departure.
    func flightDelayed(_ envelope: Envelope<FlightDelayed>, _ context: HandlerContext) throws {
        try context.database.execute(
            "UPDATE bookings SET departure = $2, updated_at = $3 WHERE flight_id = $1 AND state IN ('requested', 'seats-held', 'paid', 'confirmed')",
            envelope.data.flightId, envelope.data.departure, context.now)
    }
}

/// Gives up on steps whose answer did not come in time, so a lost reply cannot leave a booking
/// waiting forever. Every process runs it; rows are claimed with SKIP LOCKED. A booking comes up
/// at its `sweep_at`, which may be before its step's deadline (migration 0003): then it is only
/// told when to come up again.
enum SagaTimeouts {
    static func sweep(_ saga: SagaRunner, _ context: HandlerContext, limit: Int = 100) throws {
        let rows = try context.database.query(
            """
            SELECT \(BookingStore.columns) FROM bookings WHERE sweep_at <= $1
            ORDER BY sweep_at LIMIT $2 FOR UPDATE SKIP LOCKED
            """, context.now, limit)
        for booking in try rows.map(BookingStore.record) {
            if let deadline = booking.deadlineAt, deadline > context.now {
                try context.write("UPDATE bookings SET sweep_at = $2 WHERE booking_id = $1", booking.bookingId, deadline)
                continue
            }
            if booking.deadlineAt != nil {
                context.logger.notice("saga step timed out", metadata: ["booking_id": "\(booking.subject)",
                                                                         "state": "\(booking.state.rawValue)"])
                let step = try saga.advance(booking, on: .timedOut, context)
                if step.next == nil {
                    // Nothing left to wait for in this state.
                    try context.write("UPDATE bookings SET deadline_at = NULL, sweep_at = NULL WHERE booking_id = $1", booking.bookingId)
                    continue
                }
            }
            // It comes up again at its new step's deadline, or never once closed.
            try context.write("UPDATE bookings SET sweep_at = deadline_at WHERE booking_id = $1", booking.bookingId)
        }
    }
}
