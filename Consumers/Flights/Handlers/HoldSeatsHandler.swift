import Contracts
import Fleet
import Foundation
import Postgres

/// `seats.hold.v1` → `seats.held.v1` or `seats.hold-rejected.v1`.
///
/// Atomic across processes: the flight's row is locked (SELECT … FOR UPDATE) before its seats
/// are counted and allocated, so holds of one flight run one after the other, each seeing every
/// seat the ones before it took; nothing is skipped, so "sold out" is only ever said when it is
/// true. The seat_assignments primary key backs this up: one seat, one hold, whatever happens.
enum HoldSeatsHandler {
    static func handle(_ envelope: Envelope<HoldSeats>, _ context: HandlerContext) throws {
        let command = envelope.data
        let (flight, holdKnown) = try FlightStore.lockForHold(context, command.flightId, holdId: command.holdId)

        // Idempotent by holdId: the same command again gets the first answer, and holds nothing more.
        if holdKnown, let existing = try HoldStore.load(context, command.holdId) {
            if let outcome = existing.holdOutcome(departure: flight?.departure) {
                try emit(outcome, context)
            } else {
                // A release of this holdId came before its hold: the hold is not made.
                try reject(command, .holdReleased, context, record: false)
            }
            return
        }
        guard let flight else { return try reject(command, .flightNotFound, context) }
        guard !flight.isCancelled else { return try reject(command, .flightCancelled, context) }
        guard flight.departure > context.now else { return try reject(command, .flightDeparted, context) }

        guard let cabin = Cabin(rawValue: command.cabin),
              let aircraft = AircraftLayout.find(flight.aircraftType),
              let layout = aircraft.cabin(cabin),
              var row = try seatsTaken(in: cabin, of: flight, context) else {
            return try reject(command, .cabinUnknown, context)
        }
        if try row.decode(Bool.self, column: "overdue") {
            try HoldExpiry.expireOverdue(context.database, flightId: flight.flightId, now: context.now) {
                try context.emit($0, subject: subject(flight.flightId))
            }
            guard let fresh = try seatsTaken(in: cabin, of: flight, context) else { return try reject(command, .cabinUnknown, context) }
            row = fresh
        }
        let capacity = try row.decode(Int.self, column: "seats")
        let baseFare = try row.decode(Int.self, column: "base_fare")
        let taken = Set(try row.decode([String].self, column: "taken_seats").compactMap(SeatNumber.init))

        let chosen: [SeatNumber]
        if let named = command.seats {
            let seats = named.map { SeatNumber($0)! }
            let unknown = seats.filter { aircraft.cabin(of: $0) == nil }
            guard unknown.isEmpty else { return try reject(command, .seatUnknown, context, seats: unknown) }
            let elsewhere = seats.filter { aircraft.cabin(of: $0) != cabin }
            guard elsewhere.isEmpty else { return try reject(command, .seatNotInCabin, context, seats: elsewhere) }
            let gone = seats.filter { taken.contains($0) }
            guard gone.isEmpty else { return try reject(command, .seatTaken, context, seats: gone) }
            chosen = seats
        } else {
            guard let picked = SeatAllocator.pick(command.count!, in: layout, taken: taken) else {
                return try reject(command, .soldOut, context)
            }
            chosen = picked
        }

        // The price is quoted at the load before this hold and stays fixed for the hold's life.
        let pricePerSeat = Pricing.price(baseFare: baseFare, taken: taken.count, capacity: capacity)
        let held = SeatsHeld(
            holdId: command.holdId, bookingId: command.bookingId, flightId: flight.flightId, cabin: cabin,
            seats: chosen.map(\.description), pricePerSeat: pricePerSeat, total: pricePerSeat * chosen.count,
            currency: flight.currency, expiresAt: context.now.addingTimeInterval(Double(command.effectiveHoldSeconds)),
            departure: flight.departure)
        // Queued: they go to the server with the batch's next read or its end, in one round trip.
        try context.write(
            """
            INSERT INTO holds (hold_id, booking_id, flight_id, cabin, status, seats, price_per_seat, total, currency, expires_at)
            VALUES ($1, $2, $3, $4, 'held', $5, $6, $7, $8, $9)
            """,
            held.holdId, held.bookingId, held.flightId, held.cabin.rawValue, held.seats, held.pricePerSeat, held.total,
            held.currency, held.expiresAt)
        try context.write(
            "INSERT INTO seat_assignments (flight_id, seat, cabin, hold_id) SELECT $1, unnest($2::text[]), $3, $4",
            flight.flightId, held.seats, held.cabin.rawValue, held.holdId)
        try context.write("UPDATE flight_cabins SET taken_seats = taken_seats || $3::text[] WHERE flight_id = $1 AND cabin = $2",
                          flight.flightId, held.cabin.rawValue, held.seats)
        try context.emit(held, subject: subject(flight.flightId))
    }

    /// The cabin's capacity, fare and taken seats, and whether any hold of the flight is overdue:
    /// an overdue hold is expired before its seats are counted, so it never makes a cabin look
    /// sold out. Asked in one statement, since a hold is rarely overdue.
    private static func seatsTaken(in cabin: Cabin, of flight: FlightRecord, _ context: HandlerContext) throws -> PostgresRow? {
        try context.query(
            """
            SELECT seats, base_fare, taken_seats,
                EXISTS (SELECT FROM holds WHERE flight_id = $1 AND status = 'held' AND expires_at <= $3) AS overdue
            FROM flight_cabins WHERE flight_id = $1 AND cabin = $2
            """, flight.flightId, cabin.rawValue, context.now).first
    }

    /// Records the refusal under the holdId, so a repeat gets the same answer, and announces it.
    private static func reject(_ command: HoldSeats, _ reason: SeatsHoldRejected.Reason, _ context: HandlerContext,
                               seats: [SeatNumber]? = nil, record: Bool = true) throws {
        let event = SeatsHoldRejected(holdId: command.holdId, bookingId: command.bookingId, flightId: command.flightId,
                                      reason: reason, seats: seats?.map(\.description))
        if record {
            try context.write(
                """
                INSERT INTO holds (hold_id, booking_id, flight_id, cabin, status, reject_reason, rejected_seats)
                VALUES ($1, $2, $3, $4, 'rejected', $5, $6)
                """,
                command.holdId, command.bookingId, command.flightId, command.cabin, reason.rawValue, event.seats)
        }
        try context.emit(event, subject: subject(command.flightId))
    }

    private static func emit(_ event: any Event, _ context: HandlerContext) throws {
        switch event {
        case let held as SeatsHeld: try context.emit(held, subject: subject(held.flightId))
        case let rejected as SeatsHoldRejected: try context.emit(rejected, subject: subject(rejected.flightId))
        default: break
        }
    }
}
