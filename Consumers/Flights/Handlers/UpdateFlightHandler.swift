import Contracts
import Fleet
import Foundation

/// `flight.update.v1` → `flight.updated.v1` with the whole flight and the fields changed.
enum UpdateFlightHandler {
    static func handle(_ envelope: Envelope<UpdateFlight>, _ context: HandlerContext) throws {
        let command = envelope.data
        let db = context.database
        let flight = try FlightStore.lockForChange(db, command.flightId)
        var changed: [String] = []
        var fares = try FlightStore.fares(db, flight.flightId)

        if let number = command.number, number != flight.number {
            try db.execute("UPDATE flights SET number = $2 WHERE flight_id = $1", flight.flightId, number)
            changed.append("number")
        }
        if let currency = command.currency, currency != flight.currency {
            try db.execute("UPDATE flights SET currency = $2 WHERE flight_id = $1", flight.flightId, currency)
            changed.append("currency")
        }
        if let newFares = command.fares { fares.merge(newFares) { $1 } }
        if let type = command.aircraftType, type != flight.aircraftType {
            let layout = try FlightStore.layout(type)
            let taken = try db.query("SELECT coalesce(sum(taken), 0) FROM flight_cabins WHERE flight_id = $1", flight.flightId)
            guard try taken.first!.decode(Int.self, at: 0) == 0 else {
                throw HandlerError.permanent("aircraftType: seats of flight \(flight.number) are held or sold; its aircraft cannot change")
            }
            // Cabins the new aircraft lacks lose their fare; cabins it adds need one in this command.
            fares = fares.filter { layout.cabin(Cabin(rawValue: $0.key)!) != nil }
            try FlightStore.checkFares(fares, fit: layout)
            try db.execute("DELETE FROM flight_cabins WHERE flight_id = $1", flight.flightId)
            try FlightStore.insertCabins(db, flight.flightId, layout: layout, fares: fares)
            try db.execute("UPDATE flights SET aircraft_type = $2 WHERE flight_id = $1", flight.flightId, type)
            changed.append("aircraftType")
        } else if let newFares = command.fares {
            let layout = try FlightStore.layout(flight.aircraftType)
            try FlightStore.checkFares(fares, fit: layout)
            for (cabin, amount) in newFares.sorted(by: { $0.key < $1.key }) {
                try db.execute("UPDATE flight_cabins SET base_fare = $3 WHERE flight_id = $1 AND cabin = $2",
                               flight.flightId, cabin, amount)
            }
        }
        if command.fares != nil { changed.append("fares") }
        guard !changed.isEmpty else { return }
        try db.execute("UPDATE flights SET updated_at = now() WHERE flight_id = $1", flight.flightId)
        let updated = try FlightStore.load(db, flight.flightId)!
        try context.emit(FlightUpdated(flight: try FlightStore.snapshot(db, updated), changed: changed),
                         subject: subject(flight.flightId))
    }
}
