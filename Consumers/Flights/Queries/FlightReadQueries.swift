import Contracts
import Fleet
import Foundation
import Postgres

/// `flight.get.v1`, `flight.seat-map.v1` and `airport.list.v1`.
enum FlightReadQueries {
    static func get(_ envelope: Envelope<GetFlight>, _ context: QueryContext) throws -> GetFlight.Response {
        let db = context.database
        guard let flight = try FlightStore.load(db, envelope.data.flightId) else {
            throw QueryError.notFound("no flight \(envelope.data.flightId.lowercasedString)")
        }
        let cabins = try db.query("SELECT cabin, seats, taken, base_fare FROM flight_cabins WHERE flight_id = $1", flight.flightId)
            .map { row -> CabinAvailability in
                let seats = try row.decode(Int.self, column: "seats"), taken = try row.decode(Int.self, column: "taken")
                let fare = try row.decode(Int.self, column: "base_fare")
                return CabinAvailability(cabin: try row.decode(Cabin.self, column: "cabin"), seats: seats,
                                         seatsLeft: seats - taken, baseFare: fare,
                                         currentPrice: Pricing.price(baseFare: fare, taken: taken, capacity: seats))
            }
            .sorted { $0.cabin < $1.cabin }
        return GetFlight.Response(flight: try FlightStore.snapshot(db, flight), cabins: cabins)
    }

    /// A seat of an overdue hold the expiry job has not reached yet shows as available: it is,
    /// since the next hold of that flight expires it first.
    static func seatMap(_ envelope: Envelope<GetSeatMap>, _ context: QueryContext) throws -> GetSeatMap.Response {
        let db = context.database
        guard let flight = try FlightStore.load(db, envelope.data.flightId) else {
            throw QueryError.notFound("no flight \(envelope.data.flightId.lowercasedString)")
        }
        guard let layout = AircraftLayout.find(flight.aircraftType) else {
            throw QueryError(kind: .internal, message: "flight has unknown aircraft type \(flight.aircraftType)")
        }
        let rows = try db.query(
            """
            SELECT a.seat, a.sold FROM seat_assignments a JOIN holds h ON h.hold_id = a.hold_id
            WHERE a.flight_id = $1 AND (a.sold OR (h.status = 'held' AND h.expires_at > $2))
            """, flight.flightId, context.now)
        var states: [String: SeatState.State] = [:]
        for row in rows { states[try row.decode(String.self, column: "seat")] = try row.decode(Bool.self, column: "sold") ? .sold : .held }
        let seats = layout.cabins.flatMap { cabin in
            cabin.seats.map { seat in
                SeatState(seat: seat.description, row: seat.row, letter: seat.letter, cabin: cabin.cabin,
                          state: states[seat.description] ?? .available)
            }
        }
        return GetSeatMap.Response(flightId: flight.flightId, aircraftType: flight.aircraftType, seats: seats)
    }

    static func airports(_ envelope: Envelope<ListAirports>, _ context: QueryContext) throws -> ListAirports.Response {
        let rows = try context.database.query(
            "SELECT code, name, city, country, time_zone, latitude, longitude FROM airports WHERE $1::text IS NULL OR country = $1 ORDER BY code",
            envelope.data.country)
        return ListAirports.Response(airports: try rows.map { row in
            Airport(code: try row.decode(String.self, column: "code"), name: try row.decode(String.self, column: "name"),
                    city: try row.decode(String.self, column: "city"), country: try row.decode(String.self, column: "country"),
                    timeZone: try row.decode(String.self, column: "time_zone"), latitude: try row.decode(Double.self, column: "latitude"),
                    longitude: try row.decode(Double.self, column: "longitude"))
        })
    }
}
