import Contracts
import Fleet
import Foundation

/// `seats.release.v1` → `seats.released.v1` (sold seats too with `includeSold`); `seats.confirm.v1` → `seats.confirmed.v1` or
/// `seats.confirm-rejected.v1`. Both lock the flight's row before the hold's, in the same order
/// as holds and the expiry job, so they cannot deadlock with them.
enum ReleaseAndConfirmHandlers {
    static func release(_ envelope: Envelope<ReleaseSeats>, _ context: HandlerContext) throws {
        let holdId = envelope.data.holdId
        let db = context.database
        guard let found = try HoldStore.load(db, holdId) else {
            // The release overtook its hold (competing consumers keep no order): remember it, so
            // the hold, when it comes, is refused instead of holding seats nobody will release.
            let recorded = try db.execute(
                "INSERT INTO holds (hold_id, status, ended_at) VALUES ($1, 'released', $2) ON CONFLICT DO NOTHING",
                holdId, context.now)
            guard recorded == 1 else { throw HandlerError.transient("hold \(holdId) appeared meanwhile; trying again") }
            return try context.emit(SeatsReleased(holdId: holdId, bookingId: nil, flightId: nil, cabin: nil, seats: []))
        }
        guard let flightId = found.flightId else {
            return try context.emit(SeatsReleased(holdId: holdId, bookingId: nil, flightId: nil, cabin: nil, seats: []))
        }
        _ = try FlightStore.load(db, flightId, lock: true)
        let hold = try HoldStore.load(db, holdId, lock: true)!
        switch hold.status {
        case "held":
            try HoldStore.freeSeats(db, hold, status: "released", at: context.now)
        case "confirmed":
            // A cancelled booking gives its sold seats back; without includeSold, a release of a
            // sold hold is a mistake worth an operator's look.
            guard envelope.data.includeSold == true else {
                throw HandlerError.permanent("holdId: hold \(holdId) is confirmed; sold seats are released only with includeSold")
            }
            try HoldStore.freeSeats(db, hold, status: "released", at: context.now, includeSold: true)
        default:
            break  // Released, expired or refused already: the seats are free; say so again.
        }
        try context.emit(SeatsReleased(holdId: holdId, bookingId: hold.bookingId, flightId: flightId, cabin: hold.cabin,
                                       seats: hold.status == "rejected" ? [] : hold.seats),
                         subject: subject(flightId))
    }

    static func confirm(_ envelope: Envelope<ConfirmSeats>, _ context: HandlerContext) throws {
        let command = envelope.data
        func refuse(_ reason: SeatsConfirmRejected.Reason, _ flightId: UUID? = nil) throws {
            try context.emit(SeatsConfirmRejected(holdId: command.holdId, bookingId: command.bookingId, reason: reason),
                             subject: flightId.map(subject))
        }
        guard let flight = try FlightStore.lockHoldingFlight(context, holdId: command.holdId),
              let hold = try HoldStore.load(context, command.holdId, lock: true),
              hold.bookingId == command.bookingId, hold.status != "rejected" else {
            return try refuse(.holdUnknown)
        }
        let flightId = flight.flightId
        switch hold.status {
        case "confirmed":
            return try context.emit(confirmed(hold), subject: subject(flightId))
        case "held":
            if hold.expiresAt! <= context.now {
                // Overdue but not swept yet: expire it now, so its seats are free the moment we say so.
                try HoldExpiry.expireOverdue(context.database, flightId: flightId, now: context.now) {
                    try context.emit($0, subject: subject(flightId))
                }
                return try refuse(.holdExpired, flightId)
            }
            guard !flight.isCancelled else { return try refuse(.flightCancelled, flightId) }
            try context.write("UPDATE seat_assignments SET sold = true WHERE hold_id = $1", hold.holdId)
            try context.write("UPDATE holds SET status = 'confirmed', ended_at = $2 WHERE hold_id = $1", hold.holdId, context.now)
            try context.emit(confirmed(hold), subject: subject(flightId))
        default:
            try refuse(.holdExpired, flightId)
        }
    }

    private static func confirmed(_ hold: HoldRecord) -> SeatsConfirmed {
        SeatsConfirmed(holdId: hold.holdId, bookingId: hold.bookingId!, flightId: hold.flightId!, cabin: hold.cabin!,
                       seats: hold.seats, pricePerSeat: hold.pricePerSeat!, total: hold.total!, currency: hold.currency!)
    }
}
