import Contracts
import Fleet
import Foundation
import Postgres

/// The reminders owed to confirmed bookings, and the job that sends those due.
enum Reminders {
    /// Queued with the batch's other writes (`HandlerContext.write`), one statement for all kinds;
    /// it keeps only the reminders still ahead by the `clock` table, so the handler needs no
    /// round trip to read that clock first.
    static func schedule(_ context: HandlerContext, bookingId: UUID, departure: Date) throws {
        let owed = ReminderSchedule.owed(departure: departure)
        try context.write(
            """
            INSERT INTO reminders (booking_id, kind, due_at)
            SELECT $1, kind, due_at FROM unnest($2::text[], $3::timestamptz[]) AS owed (kind, due_at)
            WHERE due_at > \(ReadModel.clockNow)
            ON CONFLICT DO NOTHING
            """,
            bookingId, owed.map(\.kind.rawValue), owed.map(\.dueAt))
    }

    /// A delay moves the reminders not sent yet of every booking on the flight.
    static func move(_ db: PostgresConnection, flightId: UUID, departure: Date) throws {
        for (kind, lead) in ReminderSchedule.leads {
            try db.execute(
                """
                UPDATE reminders r SET due_at = $3 FROM bookings b
                WHERE r.booking_id = b.booking_id AND b.flight_id = $1 AND r.kind = $2 AND r.sent_at IS NULL
                """, flightId, kind.rawValue, departure.addingTimeInterval(-lead))
        }
    }

    static func drop(_ db: PostgresConnection, bookingId: UUID) throws {
        try db.execute("DELETE FROM reminders WHERE booking_id = $1 AND sent_at IS NULL", bookingId)
    }

    static func drop(_ db: PostgresConnection, flightId: UUID) throws {
        try db.execute(
            "DELETE FROM reminders r USING bookings b WHERE r.booking_id = b.booking_id AND b.flight_id = $1 AND r.sent_at IS NULL",
            flightId)
    }

    /// Sends the reminders whose time has come, by the clock of the `clock` table. Every process
    /// runs this; `FOR UPDATE SKIP LOCKED` gives each due reminder to one of them.
    static func sendDue(_ notifier: Notifier, batch: Int, _ context: HandlerContext) throws {
        let db = context.database
        let now = try ReadModel.now(db)
        let due = try db.query(
            """
            SELECT booking_id, kind FROM reminders WHERE sent_at IS NULL AND due_at <= $1
            ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED
            """, now, batch)
        for row in due {
            let bookingId = try row.decode(UUID.self, column: "booking_id")
            guard let kind = NotificationKind(rawValue: try row.decode(String.self, column: "kind")) else { continue }
            guard let booking = try ReadModel.booking(db, bookingId), booking.state == "confirmed",
                  let flight = try ReadModel.flight(db, booking.flightId), flight.status != "cancelled", flight.departure > now else {
                // Nothing left to remind of: cancelled, or the flight has left.
                try db.execute("DELETE FROM reminders WHERE booking_id = $1 AND kind = $2", bookingId, kind.rawValue)
                continue
            }
            var model = EmailModel.booking(booking, flight: flight, zones: try notifier.zones(flight) { db })
            model["hours"] = ReminderSchedule.hoursBefore(kind) ?? 0
            let letter = Letter(key: DeliveryKey(.booking(bookingId), kind),
                                addressee: NotificationAddressee(bookingId: bookingId, customerId: booking.customerId,
                                                                 email: booking.contactEmail),
                                recipientName: EmailModel.contactName(booking.passengers), flightId: flight.flightId, model: { model })
            switch try notifier.deliver(letter, context) {
            case .sent, .skipped, .refused:
                try db.execute("UPDATE reminders SET sent_at = $3 WHERE booking_id = $1 AND kind = $2", bookingId, kind.rawValue, now)
            case .retryLater:
                // Stays due; the next run tries again.
                continue
            }
        }
    }
}
