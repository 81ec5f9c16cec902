import Contracts
import Fleet
import Foundation
import Postgres

/// A row of `bookings`.
struct BookingRecord {
    var bookingId, customerId, flightId: UUID
    var cabin: Cabin
    var passengers: [BookedPassenger]
    var contactEmail: String
    var paymentToken, idempotencyKey: String?
    var fingerprint: String
    var state: BookingState
    var reason, detail: String?
    var holdId: UUID
    var seats: [String]
    var pricePerSeat, total: Int?
    var currency: String?
    var holdExpiresAt, departure: Date?
    var pnr: String?
    var captured: Int?
    var refundId: UUID?
    var refundAmount: Int?
    var refundStatus: String?
    var cancelledBy: UUID?
    var deadlineAt: Date?
    var createdAt, updatedAt: Date
    var confirmedAt, closedAt: Date?

    var subject: String { bookingId.lowercasedString }

    var view: BookingView {
        BookingView(
            bookingId: bookingId, pnr: pnr, customerId: customerId, flightId: flightId, cabin: cabin, state: state,
            reason: reason, detail: detail, passengers: passengers, seats: seats, pricePerSeat: pricePerSeat, total: total,
            currency: currency, charged: captured,
            refund: refundAmount.map { BookingView.Refund(amount: $0, status: .init(rawValue: refundStatus ?? "") ?? .pending) },
            contactEmail: contactEmail, idempotencyKey: idempotencyKey, holdExpiresAt: holdExpiresAt, departure: departure,
            createdAt: createdAt, updatedAt: updatedAt, confirmedAt: confirmedAt, closedAt: closedAt)
    }
}

enum BookingStore {
    static let columns = """
        booking_id, customer_id, flight_id, cabin, passengers, contact_email, payment_token, idempotency_key, fingerprint,
        state, reason, detail, hold_id, seats, price_per_seat, total, currency, hold_expires_at, departure, pnr, captured,
        refund_id, refund_amount, refund_status, cancelled_by, deadline_at, created_at, updated_at, confirmed_at, closed_at
        """

    static func load(_ db: PostgresConnection, _ bookingId: UUID) throws -> BookingRecord? {
        try db.query("SELECT \(columns) FROM bookings WHERE booking_id = $1", bookingId).first.map(record)
    }

    /// A booking inside a handler's transaction, locked for the transition it is loaded for; the
    /// read travels with the writes the batch queued before it.
    static func loadForUpdate(_ context: HandlerContext, _ bookingId: UUID) throws -> BookingRecord? {
        if let ahead = context.readAhead.take(BookingsReadAhead.Key.booking(bookingId), as: BookingRecord.self) { return ahead }
        return try context.query("SELECT \(columns) FROM bookings WHERE booking_id = $1 FOR UPDATE", bookingId).first.map(record)
    }

    static func record(_ row: PostgresRow) throws -> BookingRecord {
        BookingRecord(
            bookingId: try row.decode(UUID.self, column: "booking_id"),
            customerId: try row.decode(UUID.self, column: "customer_id"),
            flightId: try row.decode(UUID.self, column: "flight_id"),
            cabin: try row.decode(Cabin.self, column: "cabin"),
            passengers: try row.decode(PostgresJSON.self, column: "passengers").decode([BookedPassenger].self),
            contactEmail: try row.decode(String.self, column: "contact_email"),
            paymentToken: try row.decode(String?.self, column: "payment_token"),
            idempotencyKey: try row.decode(String?.self, column: "idempotency_key"),
            fingerprint: try row.decode(String.self, column: "fingerprint"),
            state: try row.decode(BookingState.self, column: "state"),
            reason: try row.decode(String?.self, column: "reason"),
            detail: try row.decode(String?.self, column: "detail"),
            holdId: try row.decode(UUID.self, column: "hold_id"),
            seats: try row.decode([String].self, column: "seats"),
            pricePerSeat: try row.decode(Int?.self, column: "price_per_seat"),
            total: try row.decode(Int?.self, column: "total"),
            currency: try row.decode(String?.self, column: "currency"),
            holdExpiresAt: try row.decode(Date?.self, column: "hold_expires_at"),
            departure: try row.decode(Date?.self, column: "departure"),
            pnr: try row.decode(String?.self, column: "pnr"),
            captured: try row.decode(Int?.self, column: "captured"),
            refundId: try row.decode(UUID?.self, column: "refund_id"),
            refundAmount: try row.decode(Int?.self, column: "refund_amount"),
            refundStatus: try row.decode(String?.self, column: "refund_status"),
            cancelledBy: try row.decode(UUID?.self, column: "cancelled_by"),
            deadlineAt: try row.decode(Date?.self, column: "deadline_at"),
            createdAt: try row.decode(Date.self, column: "created_at"),
            updatedAt: try row.decode(Date.self, column: "updated_at"),
            confirmedAt: try row.decode(Date?.self, column: "confirmed_at"),
            closedAt: try row.decode(Date?.self, column: "closed_at"))
    }

    /// Inserts a new booking; false when one with its id or its idempotency key is there already
    /// (committed by another process, or waited for until it committed).
    static func insert(_ context: HandlerContext, _ booking: BookingRecord) throws -> Bool {
        let parameters = try insertParameters(booking)
        // Read ahead as unseen: queued with the batch's writes. A request that another process
        // made meanwhile leaves the insert with nothing to do, and is answered on its next try.
        if context.readAhead.take(BookingsReadAhead.Key.unseenRequest(booking.bookingId), as: Bool.self) == true {
            try context.write(insertSQL, parameters: parameters, changingExactly: 1, otherwise: HandlerError.transient(
                "booking \(booking.subject): its bookingId or idempotency key came into use while it was handled; answering on the next try"))
            return true
        }
        return try context.query(insertSQL + " RETURNING booking_id", parameters: parameters).count == 1
    }

    private static let insertSQL = """
        INSERT INTO bookings (booking_id, customer_id, flight_id, cabin, passengers, contact_email, payment_token,
            idempotency_key, fingerprint, state, hold_id, deadline_at, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
        ON CONFLICT DO NOTHING
        """

    private static func insertParameters(_ booking: BookingRecord) throws -> [(any PostgresEncodable)?] {
        [booking.bookingId, booking.customerId, booking.flightId, booking.cabin.rawValue,
         try PostgresJSON(encoding: booking.passengers), booking.contactEmail, booking.paymentToken, booking.idempotencyKey,
         booking.fingerprint, booking.state.rawValue, booking.holdId, booking.deadlineAt, booking.createdAt]
    }

    /// Writes back a booking the caller loaded with `loadForUpdate`, guarded by the state it was
    /// loaded in: a transition never overwrites one it did not see. Queued with the batch's writes.
    /// The sweep's time (`sweep_at`) stays where it is while the booking has a deadline no
    /// earlier, so that a step changes no indexed column (migration 0003).
    static func save(_ context: HandlerContext, _ booking: BookingRecord, from state: BookingState) throws {
        try context.write(
            """
            UPDATE bookings SET passengers = $3, payment_token = $4, state = $5, reason = $6, detail = $7, seats = $8,
                price_per_seat = $9, total = $10, currency = $11, hold_expires_at = $12, departure = $13, pnr = $14,
                captured = $15, refund_id = $16, refund_amount = $17, refund_status = $18, cancelled_by = $19,
                deadline_at = $20, updated_at = $21, confirmed_at = $22, closed_at = $23,
                sweep_at = CASE WHEN $20::timestamptz IS NULL THEN NULL ELSE LEAST(sweep_at, $20::timestamptz) END
            WHERE booking_id = $1 AND state = $2
            """,
            parameters: [
                booking.bookingId, state.rawValue, try PostgresJSON(encoding: booking.passengers), booking.paymentToken,
                booking.state.rawValue, booking.reason, booking.detail, booking.seats, booking.pricePerSeat, booking.total,
                booking.currency, booking.holdExpiresAt, booking.departure, booking.pnr, booking.captured, booking.refundId,
                booking.refundAmount, booking.refundStatus, booking.cancelledBy, booking.deadlineAt, booking.updatedAt,
                booking.confirmedAt, booking.closedAt,
            ],
            changingExactly: 1,
            otherwise: HandlerError.transient("booking \(booking.subject) left state \(state.rawValue) meanwhile; deciding again"))
    }

    /// The booking with this id, or else the one that holds this idempotency key for this
    /// customer: one statement for both. Two branches rather than one OR, so that each keeps its
    /// own index whatever the statistics said when the statement was planned: with an OR, a
    /// plan made while the table was small went on reading every booking of a customer.
    static func load(_ db: PostgresConnection, bookingId: UUID, orCustomer customerId: UUID, idempotencyKey: String?) throws -> BookingRecord? {
        try db.query(
            """
            (SELECT \(columns), 0 AS preference FROM bookings WHERE booking_id = $1)
            UNION ALL
            (SELECT \(columns), 1 FROM bookings WHERE customer_id = $2 AND idempotency_key = $3)
            ORDER BY preference LIMIT 1
            """, bookingId, customerId, idempotencyKey).first.map(record)
    }
}
