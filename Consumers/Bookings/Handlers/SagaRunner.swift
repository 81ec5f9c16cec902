import Contracts
import Fleet
import Foundation
import Postgres

/// Applies the saga's decisions: loads a booking under its row lock, asks `BookingSaga` for the
/// step, writes the transition guarded by the state it was decided from, and sends the
/// commands and events the step calls for, all in the handler's transaction.
struct SagaRunner {
    let settings: BookingSettings

    /// - Parameter enrich: fills in what the answer brought (held seats, who cancelled), applied
    ///   only when the step changes the state.
    @discardableResult
    func advance(_ bookingId: UUID, on input: SagaInput, _ context: HandlerContext,
                 enrich: (inout BookingRecord) -> Void = { _ in }) throws -> SagaStep? {
        guard let booking = try BookingStore.loadForUpdate(context, bookingId) else {
            context.logger.debug("no such booking; not ours", metadata: ["booking_id": "\(bookingId.lowercasedString)", "input": "\(input)"])
            return nil
        }
        return try advance(booking, on: input, context, enrich: enrich)
    }

    @discardableResult
    func advance(_ loaded: BookingRecord, on input: SagaInput, _ context: HandlerContext,
                 enrich: (inout BookingRecord) -> Void = { _ in }) throws -> SagaStep {
        let step = BookingSaga.step(from: loaded.state, captured: loaded.captured, on: input)
        var booking = loaded
        let now = context.now
        if let ignored = step.ignored {
            context.logger.debug("saga", metadata: ["booking_id": "\(booking.subject)", "note": "\(ignored)"])
        }
        if let capture = step.capture { booking.captured = capture }
        if let next = step.next {
            enrich(&booking)
            booking.state = next
            booking.deadlineAt = nil
            switch next {
            case .requested: break
            case .seatsHeld:
                booking.deadlineAt = (booking.holdExpiresAt ?? now).addingTimeInterval(settings.stepTimeoutInterval)
            case .paid:
                booking.deadlineAt = now.addingTimeInterval(settings.stepTimeoutInterval)
            case .confirmed:
                try ticket(&booking, context)
                booking.confirmedAt = now
            case .failed:
                booking.reason = step.failure?.rawValue
                booking.detail = step.detail
                booking.closedAt = now
            case .expired:
                booking.closedAt = now
            case .cancelled:
                booking.reason = step.cancellation?.rawValue
                booking.closedAt = now
            }
        }
        var refunded = 0
        for command in step.commands {
            switch command {
            case .chargePayment:
                guard let token = booking.paymentToken, let total = booking.total, let currency = booking.currency else {
                    throw HandlerError.permanent("booking \(booking.subject) has no payment token or price to charge")
                }
                try context.send(ChargePayment(bookingId: booking.bookingId, customerId: booking.customerId, amount: total,
                                               currency: currency, paymentToken: token,
                                               description: "Airfleet booking \(booking.subject)",
                                               holdExpiresAt: booking.holdExpiresAt), subject: booking.subject)
                booking.paymentToken = nil
            case .confirmSeats:
                try context.send(ConfirmSeats(holdId: booking.holdId, bookingId: booking.bookingId), subject: booking.subject)
            case .releaseSeats(let includeSold):
                try context.send(ReleaseSeats(holdId: booking.holdId, includeSold: includeSold ? true : nil), subject: booking.subject)
            case .refund(let amount):
                // One refund per booking: a booking is charged once, and refunded at most once.
                guard booking.refundId == nil else {
                    context.logger.warning("second refund not sent", metadata: ["booking_id": "\(booking.subject)"])
                    continue
                }
                booking.refundId = UUID.timeOrdered()
                booking.refundAmount = amount
                booking.refundStatus = "pending"
                refunded = amount
                try context.send(RefundPayment(refundId: booking.refundId!, bookingId: booking.bookingId, amount: amount,
                                               reason: refundReason(booking, step)), subject: booking.subject)
            }
        }
        let changed = step.next != nil || step.capture != nil || !step.commands.isEmpty
        if changed {
            booking.updatedAt = now
            try BookingStore.save(context, booking, from: loaded.state)
        }
        if let next = step.next { try announce(next, booking, refunded: refunded, context) }
        if let rejection = step.cancelRejection {
            try context.emit(BookingCancelRejected(bookingId: booking.bookingId, reason: rejection, state: booking.state),
                             subject: booking.subject)
        }
        return step
    }

    private func refundReason(_ booking: BookingRecord, _ step: SagaStep) -> String {
        switch booking.state {
        case .cancelled: "booking cancelled (\(booking.reason ?? "request"))"
        case .confirmed: "booking cancelled"
        default: step.next == nil ? "payment arrived after the booking \(booking.state.rawValue)" : "booking \(booking.state.rawValue)"
        }
    }

    /// A record locator that no booking has had, and a ticket per passenger: the locator and the
    /// ticket serials in one round trip (a draw that meets a taken locator only wastes serials).
    private func ticket(_ booking: inout BookingRecord, _ context: HandlerContext) throws {
        var drawn: (pnr: String, serials: [Int])?
        for _ in 0..<20 where drawn == nil {
            let candidate = RecordLocator.generate()
            let row = try context.query(
                """
                WITH locator AS (
                    INSERT INTO record_locators (pnr, booking_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING pnr)
                SELECT EXISTS (SELECT FROM locator) AS free,
                    ARRAY(SELECT nextval('ticket_serial') FROM generate_series(1, $3)) AS serials
                """, candidate, booking.bookingId, booking.passengers.count).first!
            if try row.decode(Bool.self, column: "free") {
                drawn = (candidate, try row.decode([Int].self, column: "serials"))
            }
        }
        guard let (pnr, serials) = drawn else { throw HandlerError.transient("no free record locator in 20 draws") }
        booking.pnr = pnr
        for index in booking.passengers.indices {
            booking.passengers[index].ticketNumber = TicketNumber.make(serial: serials[index] % TicketNumber.serialLimit)
        }
    }

    private func announce(_ state: BookingState, _ booking: BookingRecord, refunded: Int, _ context: HandlerContext) throws {
        let subject = booking.subject
        switch state {
        case .requested, .seatsHeld, .paid:
            break
        case .confirmed:
            try context.emit(BookingConfirmed(
                bookingId: booking.bookingId, customerId: booking.customerId, flightId: booking.flightId, pnr: booking.pnr!,
                cabin: booking.cabin, passengers: booking.passengers, total: booking.captured ?? booking.total ?? 0,
                currency: booking.currency ?? "", contactEmail: booking.contactEmail, confirmedAt: context.now), subject: subject)
        case .failed:
            try context.emit(BookingFailed(
                bookingId: booking.bookingId, customerId: booking.customerId, flightId: booking.flightId,
                reason: BookingFailureReason(rawValue: booking.reason ?? "") ?? .timedOut, detail: booking.detail,
                contactEmail: booking.contactEmail, failedAt: context.now), subject: subject)
        case .expired:
            try context.emit(BookingExpired(bookingId: booking.bookingId, customerId: booking.customerId,
                                            flightId: booking.flightId, contactEmail: booking.contactEmail,
                                            expiredAt: context.now), subject: subject)
        case .cancelled:
            try context.emit(BookingCancelled(
                bookingId: booking.bookingId, customerId: booking.customerId, flightId: booking.flightId, pnr: booking.pnr,
                reason: BookingCancellationReason(rawValue: booking.reason ?? "") ?? .customerRequest, refundAmount: refunded,
                currency: booking.currency, cancelledBy: booking.cancelledBy, contactEmail: booking.contactEmail,
                cancelledAt: context.now), subject: subject)
        }
    }
}
