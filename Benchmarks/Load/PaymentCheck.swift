/// Each confirmed booking was charged once, for its total; what was charged for a booking that
/// ended otherwise came back whole (the drill cancels nothing); the provider charged nothing twice.
enum PaymentCheck {
    static func run(_ database: DrillDatabase, _ load: DrillRecord, _ verdicts: DrillVerdicts) throws {
        // The bookings from their schema, what was paid for each from the payments schema.
        let bookings = try database.rows(in: "bookings",
            "SELECT booking_id, state, coalesce(total, 0) FROM bookings.bookings WHERE customer_id = ANY($1::uuid[])",
            [load.customers])
        var paid: [String: [String]] = [:]
        for row in try database.rows(in: "payments", """
            SELECT b.booking_id,
                   (SELECT count(*) FROM payments.payments p WHERE p.booking_id = b.booking_id AND p.state = 'captured'),
                   (SELECT coalesce(sum(p.amount), 0) FROM payments.payments p WHERE p.booking_id = b.booking_id AND p.state = 'captured'),
                   (SELECT count(*) FROM payments.sandbox_charges s JOIN payments.payments p USING (idempotency_key)
                     WHERE p.booking_id = b.booking_id AND s.outcome = 'captured'),
                   (SELECT count(*) FROM payments.refunds r WHERE r.booking_id = b.booking_id),
                   (SELECT coalesce(sum(r.amount), 0) FROM payments.refunds r WHERE r.booking_id = b.booking_id AND r.state = 'refunded'),
                   (SELECT count(*) FROM payments.refunds r WHERE r.booking_id = b.booking_id AND r.state <> 'refunded')
            FROM unnest($1::uuid[]) AS b(booking_id)
            """, [bookings.map { $0[0] }]) {
            paid[row[0]] = Array(row[1...])
        }
        let rows = bookings.map { $0 + (paid[$0[0]] ?? Array(repeating: "0", count: 6)) }
        let names = ["confirmed without one capture", "capture of another amount", "provider charged twice",
                     "refund of a confirmed booking", "capture of an unconfirmed booking not refunded in full",
                     "refund not settled", "refund without a capture"]
        var problems: [String: [String]] = [:]
        var charges = 0, refunds = 0, confirmed = 0
        for row in rows {
            let booking = row[0], state = row[1]
            let numbers = try row[2...].map(database.number)
            let (total, captures, captured, provider) = (numbers[0], numbers[1], numbers[2], numbers[3])
            let (refundRows, refunded, unsettled) = (numbers[4], numbers[5], numbers[6])
            charges += captures
            if refundRows > 0 { refunds += 1 }
            if provider > 1 || provider != captures { problems["provider charged twice", default: []].append(booking) }
            if unsettled > 0 { problems["refund not settled", default: []].append(booking) }
            if state == "confirmed" {
                confirmed += 1
                if captures != 1 {
                    problems["confirmed without one capture", default: []].append(booking)
                } else if captured != total {
                    problems["capture of another amount", default: []].append(booking)
                }
                if refundRows > 0 { problems["refund of a confirmed booking", default: []].append(booking) }
            } else if captures > 0 {
                if refunded != captured { problems["capture of an unconfirmed booking not refunded in full", default: []].append(booking) }
            } else if refundRows > 0 {
                problems["refund without a capture", default: []].append(booking)
            }
        }
        let detail = names.compactMap { name in problems[name].map { "\($0.count) \(name), e.g. \(sample($0, 3))" } }
            .joined(separator: "; ")
        verdicts.add("payments", passed: problems.isEmpty, detail.isEmpty
            ? "\(charges) charges for \(confirmed) confirmed bookings and \(charges - confirmed) others, "
                + "\(refunds) refunds, each of a booking that ended unconfirmed after payment"
            : detail,
            facts: ["charges": charges, "refunds": refunds])
    }
}
