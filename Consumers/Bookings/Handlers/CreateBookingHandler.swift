import Contracts
import Fleet
import Foundation
import Postgres

/// `booking.create.v1` → `booking.requested.v1` and `seats.hold.v1`; or, for a request seen
/// before, `booking.deduplicated.v1` (same body) or `booking.rejected.v1` (another body).
///
/// A request is "seen before" when its bookingId exists (the command published twice), or when
/// the customer used its idempotency key already. The unique index on (customer, key) settles
/// two processes racing with one key: the loser's insert waits for the winner's commit and does
/// nothing; the loser answers as a duplicate at once, or, when its batch had read the key ahead
/// as unused, on its next try.
struct CreateBookingHandler {
    let settings: BookingSettings

    func handle(_ envelope: Envelope<CreateBooking>, _ context: HandlerContext) throws {
        let command = envelope.data
        let fingerprint = try BookingFingerprint.of(command)
        let passengers = command.passengers.map {
            BookedPassenger(firstName: $0.firstName.trimmingWhitespace(),
                            lastName: $0.lastName.trimmingWhitespace(),
                            dateOfBirth: $0.dateOfBirth, seat: $0.seat)
        }
        let booking = BookingRecord(
            bookingId: command.bookingId, customerId: command.customerId, flightId: command.flightId, cabin: command.cabin,
            passengers: passengers, contactEmail: CustomerRules.normalizedEmail(command.contactEmail),
            paymentToken: command.paymentToken, idempotencyKey: command.idempotencyKey, fingerprint: fingerprint,
            state: .requested, holdId: UUID.timeOrdered(), seats: [], deadlineAt: context.now.addingTimeInterval(settings.stepTimeoutInterval),
            createdAt: context.now, updatedAt: context.now)
        // Most requests are new: insert first, and look for the earlier one only when the insert
        // meets it (its id or its customer's key).
        guard try BookingStore.insert(context, booking) else {
            guard let existing = try Self.earlier(command, context.database) else {
                throw HandlerError.transient("booking \(booking.subject) collided with a booking that is gone; trying again")
            }
            return try answerDuplicate(command, existing, fingerprint, context)
        }
        let seats = passengers.compactMap(\.seat)
        try context.send(HoldSeats(holdId: booking.holdId, bookingId: booking.bookingId, flightId: booking.flightId,
                                   cabin: booking.cabin.rawValue, seats: seats.isEmpty ? nil : seats,
                                   count: seats.isEmpty ? passengers.count : nil, holdSeconds: settings.holdSeconds),
                         subject: booking.subject)
        try context.emit(BookingRequested(
            bookingId: booking.bookingId, customerId: booking.customerId, flightId: booking.flightId, cabin: booking.cabin,
            passengers: command.passengers, contactEmail: booking.contactEmail, requestedAt: context.now),
            subject: booking.subject)
    }

    /// The booking a request was made as before, by its bookingId or its customer's idempotency key.
    static func earlier(_ command: CreateBooking, _ db: PostgresConnection) throws -> BookingRecord? {
        try BookingStore.load(db, bookingId: command.bookingId, orCustomer: command.customerId, idempotencyKey: command.idempotencyKey)
    }

    private func answerDuplicate(_ command: CreateBooking, _ existing: BookingRecord, _ fingerprint: String,
                                 _ context: HandlerContext) throws {
        let subject = command.bookingId.lowercasedString
        guard existing.fingerprint == fingerprint else {
            let what = existing.bookingId == command.bookingId
                ? "bookingId \(existing.subject) was used before with another request"
                : "idempotency key was used before for booking \(existing.subject) with another request"
            return try context.emit(BookingRejected(bookingId: command.bookingId, customerId: command.customerId,
                                                    reason: .idempotencyConflict, existingBookingId: existing.bookingId,
                                                    detail: what), subject: subject)
        }
        try context.emit(BookingDeduplicated(bookingId: command.bookingId, existingBookingId: existing.bookingId,
                                             customerId: existing.customerId, state: existing.state), subject: subject)
    }
}
