import Contracts
import Fleet
import Foundation
import Postgres

/// `flight.board.v1`: every flight departing on one UTC day, from any airport, as operators see
/// them on a departures board. Unlike search it keeps cancelled and departed flights: the board
/// is the day's record, not a list of what can still be booked.
enum FlightBoardQuery {
    static let defaultLimit = 200
    static let limits = 1...500

    static func answer(_ envelope: Envelope<GetFlightBoard>, _ context: QueryContext) throws -> GetFlightBoard.Response {
        let query = envelope.data
        let limit = query.limit ?? defaultLimit
        guard limits.contains(limit) else {
            throw QueryError.invalid("limit", "must be \(limits.lowerBound) to \(limits.upperBound)")
        }
        let (from, until): (Date, Date)
        do {
            (from, until) = try SearchFlightsQuery.localDay(query.date, in: .gmt)
        } catch let error as ValidationError {
            // The contract leaves the query's data unchecked, so its faults are found here and
            // answered as the caller's, not as this context's.
            throw QueryError.invalid(error.field, error.reason)
        }
        let db = context.database
        let flights = try db.query(
            """
            SELECT \(FlightStore.columns) FROM flights
            WHERE departure >= $1 AND departure < $2
            ORDER BY departure, flight_id LIMIT $3
            """, from, until, limit).map(FlightStore.record)
        let fares = try faresByFlight(db, flights.map(\.flightId))
        return GetFlightBoard.Response(date: query.date, flights: flights.map { flight in
            FlightSnapshot(flightId: flight.flightId, number: flight.number, origin: flight.origin,
                           destination: flight.destination, departure: flight.departure, arrival: flight.arrival,
                           aircraftType: flight.aircraftType, status: flight.status, gate: flight.gate,
                           fares: fares[flight.flightId] ?? [:], currency: flight.currency)
        })
    }

    /// Base fares by cabin wire name for many flights in one round trip, where
    /// `FlightStore.fares` would take one per flight.
    private static func faresByFlight(_ db: PostgresConnection, _ flightIds: [UUID]) throws -> [UUID: [String: Int]] {
        guard !flightIds.isEmpty else { return [:] }
        let rows = try db.query("SELECT flight_id, cabin, base_fare FROM flight_cabins WHERE flight_id = ANY($1::uuid[])", flightIds)
        var fares: [UUID: [String: Int]] = [:]
        for row in rows {
            fares[try row.decode(UUID.self, column: "flight_id"), default: [:]][try row.decode(String.self, column: "cabin")] =
                try row.decode(Int.self, column: "base_fare")
        }
        return fares
    }
}
