import Contracts
import Fleet
import Foundation
import Postgres

/// A flight as notifications knows it from the flights context's events.
struct FlightRecord {
    var flightId: UUID
    var number, origin, destination: String
    var departure, arrival: Date
    var gate: String?
    var status: String
}

/// A booking as notifications knows it from the bookings context's events.
struct BookingRecord {
    var bookingId, customerId, flightId: UUID
    var pnr, cabin: String?
    var passengers: [BookedPassenger]
    var total: Int?
    var currency: String?
    var contactEmail, state: String
}

struct SubscriptionRecord {
    var subscriptionId: UUID
    var customerId: UUID
    var flightId: UUID
    var email: String
}

/// The notifications context's own tables: flights, bookings, subscriptions, airports' zones.
enum ReadModel {
    static func upsert(_ db: PostgresConnection, flight: FlightSnapshot) throws {
        try db.execute(
            """
            INSERT INTO flights (flight_id, number, origin, destination, departure, arrival, gate, status, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
            ON CONFLICT (flight_id) DO UPDATE SET number = $2, origin = $3, destination = $4, departure = $5, arrival = $6,
                gate = $7, status = $8, updated_at = now()
            """,
            flight.flightId, flight.number, flight.origin, flight.destination, flight.departure, flight.arrival, flight.gate,
            flight.status)
    }

    static let flightColumns = "flight_id, number, origin, destination, departure, arrival, gate, status"

    static func flight(_ db: PostgresConnection, _ flightId: UUID) throws -> FlightRecord? {
        try db.query("SELECT \(flightColumns) FROM flights WHERE flight_id = $1", flightId).first.map(flight(from:))
    }

    /// The flights the read model knows of these, by id.
    static func flights(_ db: PostgresConnection, _ flightIds: [UUID]) throws -> [UUID: FlightRecord] {
        let rows = try db.query("SELECT \(flightColumns) FROM flights WHERE flight_id = ANY($1::uuid[])", flightIds)
        return Dictionary(try rows.map(flight(from:)).map { ($0.flightId, $0) }) { first, _ in first }
    }

    static func flight(from row: PostgresRow) throws -> FlightRecord {
        FlightRecord(flightId: try row.decode(UUID.self, column: "flight_id"), number: try row.decode(String.self, column: "number"),
                     origin: try row.decode(String.self, column: "origin"), destination: try row.decode(String.self, column: "destination"),
                     departure: try row.decode(Date.self, column: "departure"), arrival: try row.decode(Date.self, column: "arrival"),
                     gate: try row.decode(String?.self, column: "gate"), status: try row.decode(String.self, column: "status"))
    }

    /// IATA code → IANA zone, for the airports of a flight.
    static func timeZones(_ db: PostgresConnection, _ codes: [String]) throws -> [String: String] {
        var zones: [String: String] = [:]
        for row in try db.query("SELECT code, time_zone FROM airports WHERE code = ANY($1)", codes) {
            zones[try row.decode(String.self, column: "code")] = try row.decode(String.self, column: "time_zone")
        }
        return zones
    }

    static let bookingColumns = "booking_id, customer_id, flight_id, pnr, cabin, passengers, total, currency, contact_email, state"

    static func booking(from row: PostgresRow) throws -> BookingRecord {
        BookingRecord(
            bookingId: try row.decode(UUID.self, column: "booking_id"), customerId: try row.decode(UUID.self, column: "customer_id"),
            flightId: try row.decode(UUID.self, column: "flight_id"), pnr: try row.decode(String?.self, column: "pnr"),
            cabin: try row.decode(String?.self, column: "cabin"),
            passengers: try row.decode(PostgresJSON.self, column: "passengers").decode([BookedPassenger].self),
            total: try row.decode(Int?.self, column: "total"), currency: try row.decode(String?.self, column: "currency"),
            contactEmail: try row.decode(String.self, column: "contact_email"), state: try row.decode(String.self, column: "state"))
    }

    static func booking(_ db: PostgresConnection, _ bookingId: UUID) throws -> BookingRecord? {
        try db.query("SELECT \(bookingColumns) FROM bookings WHERE booking_id = $1", bookingId).first.map(booking(from:))
    }

    static func confirmedBookings(_ db: PostgresConnection, flightId: UUID) throws -> [BookingRecord] {
        try db.query("SELECT \(bookingColumns) FROM bookings WHERE flight_id = $1 AND state = 'confirmed' ORDER BY booking_id",
                     flightId).map(booking(from:))
    }

    /// Queued with the batch's other writes (`HandlerContext.write`).
    static func save(_ context: HandlerContext, _ booking: BookingRecord) throws {
        try context.write(
            """
            INSERT INTO bookings (booking_id, customer_id, flight_id, pnr, cabin, passengers, total, currency, contact_email, state, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
            ON CONFLICT (booking_id) DO UPDATE SET pnr = COALESCE($4, bookings.pnr), cabin = COALESCE($5, bookings.cabin),
                passengers = CASE WHEN $6::jsonb = '[]'::jsonb THEN bookings.passengers ELSE $6::jsonb END,
                total = COALESCE($7, bookings.total), currency = COALESCE($8, bookings.currency), contact_email = $9,
                state = $10, updated_at = now()
            """,
            booking.bookingId, booking.customerId, booking.flightId, booking.pnr, booking.cabin,
            try PostgresJSON(encoding: booking.passengers), booking.total, booking.currency, booking.contactEmail, booking.state)
    }

    static func activeSubscriptions(_ db: PostgresConnection, flightId: UUID) throws -> [SubscriptionRecord] {
        try db.query("SELECT subscription_id, customer_id, flight_id, email FROM subscriptions WHERE flight_id = $1 AND active ORDER BY subscription_id",
                     flightId).map { row in
            SubscriptionRecord(subscriptionId: try row.decode(UUID.self, column: "subscription_id"), customerId: try row.decode(UUID.self, column: "customer_id"),
                               flightId: try row.decode(UUID.self, column: "flight_id"), email: try row.decode(String.self, column: "email"))
        }
    }

    /// The clock reminders are due by (see the `clock` table), as an SQL expression.
    static let clockNow = "COALESCE((SELECT clock_timestamp() + offset_ms * interval '1 millisecond' FROM clock), clock_timestamp())"

    static func now(_ db: PostgresConnection) throws -> Date {
        try db.query("SELECT \(clockNow) AS now").first?.decode(Date.self, column: "now") ?? Date()
    }
}
