import Contracts
import Fleet
import Foundation
import Postgres

/// A row of `holds`.
struct HoldRecord {
    let holdId: UUID
    let bookingId: UUID?
    let flightId: UUID?
    let cabin: Cabin?
    let status: String
    let rejectReason: String?
    let rejectedSeats: [String]?
    let seats: [String]
    let pricePerSeat: Int?
    let total: Int?
    let currency: String?
    let expiresAt: Date?

    /// The event that answered the `seats.hold.v1` that made this row, to send again when the
    /// same holdId comes back.
    func holdOutcome(departure: Date?) -> (any Event)? {
        guard let bookingId, let flightId else { return nil }
        if status == "rejected" {
            let reason = rejectReason.flatMap(SeatsHoldRejected.Reason.init(rawValue:)) ?? .flightNotFound
            return SeatsHoldRejected(holdId: holdId, bookingId: bookingId, flightId: flightId, reason: reason,
                                     seats: rejectedSeats)
        }
        guard let cabin, let pricePerSeat, let total, let currency, let expiresAt else { return nil }
        return SeatsHeld(holdId: holdId, bookingId: bookingId, flightId: flightId, cabin: cabin, seats: seats,
                         pricePerSeat: pricePerSeat, total: total, currency: currency, expiresAt: expiresAt,
                         departure: departure)
    }
}

enum HoldStore {
    static let columns = """
        hold_id, booking_id, flight_id, cabin, status, reject_reason, rejected_seats, seats, price_per_seat, total,
        currency, expires_at
        """

    static func load(_ db: PostgresConnection, _ holdId: UUID, lock: Bool = false) throws -> HoldRecord? {
        try db.query(selecting(lock: lock), holdId).first.map(record)
    }

    /// The same inside a handler: the read travels with the writes the batch queued before it.
    static func load(_ context: HandlerContext, _ holdId: UUID, lock: Bool = false) throws -> HoldRecord? {
        try context.query(selecting(lock: lock), holdId).first.map(record)
    }

    private static func selecting(lock: Bool) -> String {
        "SELECT \(columns) FROM holds WHERE hold_id = $1\(lock ? " FOR UPDATE" : "")"
    }

    static func record(_ row: PostgresRow) throws -> HoldRecord {
        HoldRecord(
            holdId: try row.decode(UUID.self, column: "hold_id"), bookingId: try row.decode(UUID?.self, column: "booking_id"),
            flightId: try row.decode(UUID?.self, column: "flight_id"), cabin: try row.decode(Cabin?.self, column: "cabin"),
            status: try row.decode(String.self, column: "status"), rejectReason: try row.decode(String?.self, column: "reject_reason"),
            rejectedSeats: try row.decode([String]?.self, column: "rejected_seats"), seats: try row.decode([String].self, column: "seats"),
            pricePerSeat: try row.decode(Int?.self, column: "price_per_seat"), total: try row.decode(Int?.self, column: "total"),
            currency: try row.decode(String?.self, column: "currency"), expiresAt: try row.decode(Date?.self, column: "expires_at"))
    }

    /// Gives a held hold's seats back to its flight (sold ones too with `includeSold`); the
    /// caller holds the flight's row lock.
    static func freeSeats(_ db: PostgresConnection, _ hold: HoldRecord, status: String, at now: Date,
                          includeSold: Bool = false) throws {
        guard let flightId = hold.flightId, let cabin = hold.cabin else { return }
        try db.execute(
            """
            WITH freed AS (DELETE FROM seat_assignments WHERE hold_id = $1 AND (NOT sold OR $2) RETURNING seat)
            UPDATE flight_cabins SET taken_seats = ARRAY(SELECT label FROM unnest(taken_seats) AS t(label) WHERE label NOT IN (SELECT seat FROM freed))
            WHERE flight_id = $3 AND cabin = $4 AND EXISTS (SELECT FROM freed)
            """, hold.holdId, includeSold, flightId, cabin.rawValue)
        try db.execute("UPDATE holds SET status = $2, ended_at = $3 WHERE hold_id = $1", hold.holdId, status, now)
    }
}

/// Expires holds whose time is up: from the `expire-holds` job in every process, and inline
/// before a hold or a confirmation looks at a flight's seats, so an overdue hold never makes a
/// cabin look sold out nor gets confirmed.
public enum HoldExpiry {
    /// Expires the overdue holds of flights no other transaction is working on (their rows are
    /// claimed with SKIP LOCKED, so processes running the job at once share the work); returns
    /// how many holds expired. Call it inside a transaction.
    @discardableResult
    public static func sweep(_ db: PostgresConnection, now: Date, flights limit: Int = 50,
                             emit: (SeatsHoldExpired) throws -> Void) throws -> Int {
        let flights = try db.query(
            """
            SELECT flight_id FROM flights
            WHERE flight_id IN (SELECT DISTINCT flight_id FROM holds WHERE status = 'held' AND expires_at <= $1 LIMIT $2)
            ORDER BY flight_id FOR UPDATE SKIP LOCKED
            """, now, limit).column(UUID.self)
        var expired = 0
        for flightId in flights { expired += try expireOverdue(db, flightId: flightId, now: now, emit: emit) }
        return expired
    }

    /// Expires one flight's overdue holds; the caller holds the flight's row lock.
    @discardableResult
    static func expireOverdue(_ db: PostgresConnection, flightId: UUID, now: Date,
                              emit: (SeatsHoldExpired) throws -> Void) throws -> Int {
        let overdue = try db.query(
            "SELECT \(HoldStore.columns) FROM holds WHERE flight_id = $1 AND status = 'held' AND expires_at <= $2 ORDER BY hold_id FOR UPDATE",
            flightId, now).map(HoldStore.record)
        for hold in overdue {
            try HoldStore.freeSeats(db, hold, status: "expired", at: now)
            try emit(SeatsHoldExpired(holdId: hold.holdId, bookingId: hold.bookingId!, flightId: flightId,
                                      cabin: hold.cabin!, seats: hold.seats, expiredAt: hold.expiresAt!))
        }
        return overdue.count
    }
}
