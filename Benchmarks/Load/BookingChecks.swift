import Foundation

/// The states a booking ends in.
let finalBookingStates: Set<String> = ["confirmed", "failed", "expired", "cancelled"]

/// Every accepted booking exists and has ended; every seat is sold once, to a confirmed booking.
enum BookingChecks {
    /// The bookings check; returns the count of the drill's bookings in each state.
    static func bookings(_ database: DrillDatabase, _ load: DrillRecord, _ verdicts: DrillVerdicts) throws -> [String: Int] {
        let accepted = load.bookings.filter(\.accepted)
        let ids = Array(Set(accepted.compactMap { $0.knownId?.lowercased() })).sorted()
        var found: [String: (state: String, reason: String)] = [:]
        for row in try database.rows("SELECT booking_id, state, coalesce(reason, '') FROM bookings.bookings WHERE booking_id = ANY($1::uuid[])", [ids]) {
            found[row[0]] = (row[1], row[2])
        }
        let missing = ids.filter { found[$0] == nil }
        let withoutId = accepted.filter { $0.knownId == nil }.map(\.key)
        let stuck = found.filter { !finalBookingStates.contains($0.value.state) }.mapValues(\.state)
        var states: [String: Int] = [:], reasons: [String: Int] = [:]
        for (state, reason) in found.values {
            states[state, default: 0] += 1
            if state != "confirmed" { reasons["\(state):\(reason)", default: 0] += 1 }
        }
        var detail = "\(accepted.count) accepted, \(found.count) found, states \(describe(states))"
        if !missing.isEmpty { detail += "; \(missing.count) missing, e.g. \(sample(missing))" }
        if !withoutId.isEmpty { detail += "; \(withoutId.count) accepted without a booking id, e.g. \(sample(withoutId))" }
        if !stuck.isEmpty { detail += "; \(stuck.count) not final, e.g. \(sample(stuck.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }))" }
        verdicts.add("bookings", passed: missing.isEmpty && stuck.isEmpty && withoutId.isEmpty && !accepted.isEmpty, detail,
                     facts: ["states": states, "reasons": reasons, "missing": missing, "stuck": stuck])
        return states
    }

    static func seats(_ database: DrillDatabase, _ load: DrillRecord, _ verdicts: DrillVerdicts) throws {
        let flights = Array(Set(load.bookings.map(\.flightId))).sorted()
        var problems: [String] = []
        func look(_ sql: String, _ problem: (Int) -> String) throws {
            let rows = try database.rows(sql, [flights])
            if !rows.isEmpty { problems.append("\(problem(rows.count)), e.g. \(sample(rows.map { $0.joined(separator: " ") }))") }
        }
        try look("""
            SELECT flight_id, seat, count(*) FROM bookings.bookings, unnest(seats) AS seat
            WHERE flight_id = ANY($1::uuid[]) AND state IN ('confirmed', 'paid', 'seats-held')
            GROUP BY 1, 2 HAVING count(*) > 1
            """) { "\($0) seats in two bookings" }
        try look("""
            SELECT h.hold_id, b.booking_id, b.state, count(a.seat) FROM flights.holds h
            JOIN bookings.bookings b ON b.hold_id = h.hold_id
            LEFT JOIN flights.seat_assignments a ON a.hold_id = h.hold_id AND NOT a.sold
            WHERE h.flight_id = ANY($1::uuid[]) AND b.state IN ('failed', 'expired', 'cancelled', 'confirmed')
              AND (h.status = 'held' OR a.seat IS NOT NULL)
            GROUP BY 1, 2, 3
            """) { "\($0) holds left for final bookings" }
        try look("""
            WITH sold AS (SELECT flight_id, count(*) AS n FROM flights.seat_assignments
                          WHERE flight_id = ANY($1::uuid[]) AND sold GROUP BY 1),
                 booked AS (SELECT flight_id, sum(cardinality(seats)) AS n FROM bookings.bookings
                            WHERE flight_id = ANY($1::uuid[]) AND state = 'confirmed' GROUP BY 1)
            SELECT coalesce(s.flight_id, b.flight_id), coalesce(s.n, 0), coalesce(b.n, 0)
            FROM sold s FULL JOIN booked b USING (flight_id) WHERE coalesce(s.n, 0) <> coalesce(b.n, 0)
            """) { "\($0) flights whose sold seats differ from their confirmed bookings' (flight sold booked)" }
        try look("""
            SELECT b.booking_id, s.booked FROM bookings.bookings b, unnest(b.seats) AS s(booked)
            WHERE b.flight_id = ANY($1::uuid[]) AND b.state = 'confirmed'
              AND NOT EXISTS (SELECT 1 FROM flights.seat_assignments a
                              WHERE a.flight_id = b.flight_id AND a.seat = s.booked AND a.hold_id = b.hold_id AND a.sold)
            """) { "\($0) seats of confirmed bookings not sold to them" }
        try look("""
            SELECT c.flight_id, c.cabin, c.taken, count(a.seat) FROM flights.flight_cabins c
            LEFT JOIN flights.seat_assignments a ON a.flight_id = c.flight_id AND a.cabin = c.cabin
            WHERE c.flight_id = ANY($1::uuid[]) GROUP BY c.flight_id, c.cabin, c.taken, c.taken_seats
            HAVING c.taken <> count(a.seat) OR NOT c.taken_seats @> coalesce(array_agg(a.seat) FILTER (WHERE a.seat IS NOT NULL), '{}')
            """) { "\($0) cabins whose taken seats differ from their seats held or sold" }
        let sold = try database.count("SELECT count(*) FROM flights.seat_assignments WHERE flight_id = ANY($1::uuid[]) AND sold", [flights])
        verdicts.add("seats", passed: problems.isEmpty, problems.isEmpty
            ? "\(sold) seats sold on \(flights.count) flights, each once, each to a confirmed booking; no hold left over"
            : problems.joined(separator: "; "))
    }
}
