import Contracts
import Fleet
import Foundation

/// `flight.schedule.v1` → `flight.scheduled.v1`. The publisher chooses the flight id, so the
/// same schedule again re-emits the event and schedules nothing more.
enum ScheduleFlightHandler {
    static func handle(_ envelope: Envelope<ScheduleFlight>, _ context: HandlerContext) throws {
        let command = envelope.data
        let db = context.database
        let layout = try FlightStore.layout(command.aircraftType)
        try FlightStore.checkFares(command.fares, fit: layout)
        let known = Set(try db.query("SELECT code FROM airports WHERE code = ANY($1::text[])",
                                     [[command.origin, command.destination]]).column(String.self))
        for (field, code) in [("origin", command.origin), ("destination", command.destination)] where !known.contains(code) {
            throw HandlerError.permanent("\(field): unknown airport \(code)")
        }
        let inserted = try db.execute(
            """
            INSERT INTO flights (flight_id, number, origin, destination, departure, arrival, aircraft_type, currency, gate)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (flight_id) DO NOTHING
            """,
            command.flightId, command.number, command.origin, command.destination, command.departure,
            command.arrival, command.aircraftType, command.currency, command.gate)
        if inserted == 0 {
            // Scheduled before: the same flight is a retry and gets its event again; another is a mistake.
            let existing = try FlightStore.load(db, command.flightId)!
            guard existing.number == command.number, existing.origin == command.origin,
                  existing.destination == command.destination, existing.aircraftType == command.aircraftType else {
                throw HandlerError.permanent("flightId: \(command.flightId.lowercasedString) is already flight \(existing.number) \(existing.origin)-\(existing.destination)")
            }
            try context.emit(FlightScheduled(flight: try FlightStore.snapshot(db, existing)), subject: subject(command.flightId))
            return
        }
        try FlightStore.insertCabins(db, command.flightId, layout: layout, fares: command.fares)
        let flight = try FlightStore.load(db, command.flightId)!
        try context.emit(FlightScheduled(flight: try FlightStore.snapshot(db, flight)), subject: subject(command.flightId))
    }
}

/// Events about a flight carry its id as their CloudEvents subject.
func subject(_ flightId: UUID) -> String { flightId.lowercasedString }
