import Contracts
import Fleet
import Foundation
import Postgres

/// `booking.get.v1`, `booking.list.v1` and `booking.check-request.v1`.
enum BookingQueries {
    /// Judges a request as `booking.create.v1` will when it comes: by the same lookup and fingerprint.
    static func checkRequest(_ envelope: Envelope<CheckBookingRequest>, _ context: QueryContext) throws -> CheckBookingRequest.Response {
        let request = envelope.data.request
        guard let existing = try CreateBookingHandler.earlier(request, context.database) else { return .init(verdict: .new) }
        let verdict: CheckBookingRequest.Response.Verdict = existing.fingerprint == (try BookingFingerprint.of(request)) ? .same : .conflict
        return .init(verdict: verdict, bookingId: existing.bookingId, state: existing.state)
    }

    static func get(_ envelope: Envelope<GetBooking>, _ context: QueryContext) throws -> GetBooking.Response {
        let query = envelope.data
        let rows: PostgresRows
        if let bookingId = query.bookingId {
            rows = try context.database.query("SELECT \(BookingStore.columns) FROM bookings WHERE booking_id = $1", bookingId)
        } else {
            rows = try context.database.query("""
                SELECT \(BookingStore.columns) FROM bookings
                WHERE booking_id = (SELECT booking_id FROM record_locators WHERE pnr = $1)
                """, query.pnr!)
        }
        guard let row = rows.first else {
            throw QueryError.notFound("no booking \(query.bookingId.map { $0.lowercasedString } ?? query.pnr!)")
        }
        return GetBooking.Response(booking: try BookingStore.record(row).view)
    }

    static func list(_ envelope: Envelope<ListBookings>, _ context: QueryContext) throws -> ListBookings.Response {
        let query = envelope.data
        let filter = """
            ($1::uuid IS NULL OR customer_id = $1) AND ($2::uuid IS NULL OR flight_id = $2)
            AND ($3::text[] IS NULL OR state = ANY($3))
            """
        let states = query.states?.map(\.rawValue)
        let total = try context.database.query("SELECT count(*) FROM bookings WHERE \(filter)",
                                                query.customerId, query.flightId, states).first?.decode(Int.self, at: 0) ?? 0
        let rows = try context.database.query(
            "SELECT \(BookingStore.columns) FROM bookings WHERE \(filter) ORDER BY created_at DESC, booking_id LIMIT $4 OFFSET $5",
            query.customerId, query.flightId, states, query.effectivePageSize,
            (query.effectivePage - 1) * query.effectivePageSize)
        return ListBookings.Response(bookings: try rows.map { try BookingStore.record($0).view },
                                     page: query.effectivePage, pageSize: query.effectivePageSize, total: total)
    }
}
