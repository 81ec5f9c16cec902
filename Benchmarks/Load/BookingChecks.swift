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
        for row in try database.rows(in: "bookings", "SELECT booking_id, state, coalesce(reason, '') FROM bookings.bookings WHERE booking_id = ANY($1::uuid[])", [ids]) {
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

    /// Seats against bookings: each half read from its own context's schema, compared here.
    static func seats(_ database: DrillDatabase, _ load: DrillRecord, _ verdicts: DrillVerdicts) throws {
        let flights = Array(Set(load.bookings.map(\.flightId))).sorted()
        var problems: [String] = []
        func note(_ rows: [String], _ problem: (Int) -> String) {
            if !rows.isEmpty { problems.append("\(problem(rows.count)), e.g. \(sample(rows))") }
        }
        note(try database.rows(in: "bookings", """
            SELECT flight_id, seat, count(*) FROM bookings.bookings, unnest(seats) AS seat
            WHERE flight_id = ANY($1::uuid[]) AND state IN ('confirmed', 'paid', 'seats-held')
            GROUP BY 1, 2 HAVING count(*) > 1
            """, [flights]).map { $0.joined(separator: " ") }) { "\($0) seats in two bookings" }

        // Final bookings by their hold: none may keep a hold or an unsold seat.
        var finalByHold: [String: (booking: String, state: String)] = [:]
        var confirmedSeats: Set<String> = [], bookedPerFlight: [String: Int] = [:]
        for row in try database.rows(in: "bookings", """
            SELECT coalesce(hold_id::text, ''), booking_id, state, flight_id, array_to_string(seats, ' ')
            FROM bookings.bookings
            WHERE flight_id = ANY($1::uuid[]) AND state IN ('failed', 'expired', 'cancelled', 'confirmed')
            """, [flights]) {
            if !row[0].isEmpty { finalByHold[row[0]] = (row[1], row[2]) }
            guard row[2] == "confirmed" else { continue }
            let seats = row[4].split(separator: " ").map(String.init)
            bookedPerFlight[row[3], default: 0] += seats.count
            for seat in seats { confirmedSeats.insert("\(row[1]) \(row[3]) \(seat) \(row[0])") }
        }
        note(try database.rows(in: "flights", """
            SELECT h.hold_id, count(a.seat) FROM flights.holds h
            LEFT JOIN flights.seat_assignments a ON a.hold_id = h.hold_id AND NOT a.sold
            WHERE h.hold_id = ANY($1::uuid[]) AND (h.status = 'held' OR a.seat IS NOT NULL)
            GROUP BY 1
            """, [Array(finalByHold.keys)]).map { row in
                let booking = finalByHold[row[0]].map { "\($0.booking) \($0.state)" } ?? "?"
                return "\(row[0]) \(booking) \(row[1])"
            }) { "\($0) holds left for final bookings" }

        var soldPerFlight: [String: Int] = [:], soldSeats: Set<String> = []
        for row in try database.rows(in: "flights", """
            SELECT flight_id, seat, hold_id FROM flights.seat_assignments WHERE flight_id = ANY($1::uuid[]) AND sold
            """, [flights]) {
            soldPerFlight[row[0], default: 0] += 1
            soldSeats.insert("\(row[0]) \(row[1]) \(row[2])")
        }
        note(Set(soldPerFlight.keys).union(bookedPerFlight.keys).sorted().compactMap { flight in
            let (sold, booked) = (soldPerFlight[flight, default: 0], bookedPerFlight[flight, default: 0])
            return sold == booked ? nil : "\(flight) \(sold) \(booked)"
        }) { "\($0) flights whose sold seats differ from their confirmed bookings' (flight sold booked)" }
        note(confirmedSeats.sorted().compactMap { entry in
            let parts = entry.split(separator: " ")
            return soldSeats.contains(parts[1...3].joined(separator: " ")) ? nil : "\(parts[0]) \(parts[2])"
        }) { "\($0) seats of confirmed bookings not sold to them" }
        note(try database.rows(in: "flights", """
            SELECT c.flight_id, c.cabin, c.taken, count(a.seat) FROM flights.flight_cabins c
            LEFT JOIN flights.seat_assignments a ON a.flight_id = c.flight_id AND a.cabin = c.cabin
            WHERE c.flight_id = ANY($1::uuid[]) GROUP BY c.flight_id, c.cabin, c.taken, c.taken_seats
            HAVING c.taken <> count(a.seat) OR NOT c.taken_seats @> coalesce(array_agg(a.seat) FILTER (WHERE a.seat IS NOT NULL), '{}')
            """, [flights]).map { $0.joined(separator: " ") }) { "\($0) cabins whose taken seats differ from their seats held or sold" }
        let sold = soldPerFlight.values.reduce(0, +)
        verdicts.add("seats", passed: problems.isEmpty, problems.isEmpty
            ? "\(sold) seats sold on \(flights.count) flights, each once, each to a confirmed booking; no hold left over"
            : problems.joined(separator: "; "))
    }
}
