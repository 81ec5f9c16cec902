import Contracts
import Fleet
import Foundation
import Postgres

/// A row of `flights`, as handlers and queries read it.
struct FlightRecord {
    let flightId: UUID
    let number, origin, destination: String
    let departure, arrival: Date
    let aircraftType, currency, status: String
    let gate: String?

    var isCancelled: Bool { status == "cancelled" }
}

/// The SQL shared by handlers and queries: reading and locking flights.
enum FlightStore {
    static let columns = "flight_id, number, origin, destination, departure, arrival, aircraft_type, currency, status, gate"

    /// Reads a flight; with `lock`, takes its row lock, which every change to the flight's seats
    /// takes first, so holds, releases, confirmations and expiries of one flight run one at a time.
    static func load(_ db: PostgresConnection, _ flightId: UUID, lock: Bool = false) throws -> FlightRecord? {
        try db.query(selecting(lock: lock), flightId).first.map(record)
    }

    /// The same inside a handler: the read travels with the writes the batch queued before it.
    static func load(_ context: HandlerContext, _ flightId: UUID, lock: Bool = false) throws -> FlightRecord? {
        try context.query(selecting(lock: lock), flightId).first.map(record)
    }

    /// Locks the flight a hold is asked for, and tells in the same round trip whether the hold's
    /// id is known already (a repeated command). Without the flight nothing was asked: the flight
    /// is nil and the hold counts as maybe known, for the caller to look it up.
    static func lockForHold(_ context: HandlerContext, _ flightId: UUID, holdId: UUID) throws -> (FlightRecord?, holdKnown: Bool) {
        if let flight = context.readAhead.peek(FlightsReadAhead.Key.flight(flightId), as: FlightRecord.self),
           let known = context.readAhead.take(FlightsReadAhead.Key.holdKnown(holdId), as: Bool.self) {
            return (flight, known)
        }
        guard let row = try context.query(
            "SELECT \(columns), EXISTS (SELECT FROM holds WHERE hold_id = $2) AS hold_known FROM flights WHERE flight_id = $1 FOR UPDATE",
            flightId, holdId).first else {
            return (nil, true)
        }
        return (try record(row), try row.decode(Bool.self, column: "hold_known"))
    }

    /// Locks the flight of a hold, found through the hold, in one round trip: nil when the hold
    /// is unknown or names no flight.
    static func lockHoldingFlight(_ context: HandlerContext, holdId: UUID) throws -> FlightRecord? {
        if let flightId = context.readAhead.peek(FlightsReadAhead.Key.flightOfHold(holdId), as: UUID.self),
           let flight = context.readAhead.peek(FlightsReadAhead.Key.flight(flightId), as: FlightRecord.self) {
            return flight
        }
        return try context.query(
            "SELECT \(columns) FROM flights WHERE flight_id = (SELECT flight_id FROM holds WHERE hold_id = $1) FOR UPDATE",
            holdId).first.map(record)
    }

    private static func selecting(lock: Bool) -> String {
        "SELECT \(columns) FROM flights WHERE flight_id = $1\(lock ? " FOR UPDATE" : "")"
    }

    static func record(_ row: PostgresRow) throws -> FlightRecord {
        FlightRecord(
            flightId: try row.decode(UUID.self, column: "flight_id"), number: try row.decode(String.self, column: "number"),
            origin: try row.decode(String.self, column: "origin"), destination: try row.decode(String.self, column: "destination"),
            departure: try row.decode(Date.self, column: "departure"), arrival: try row.decode(Date.self, column: "arrival"),
            aircraftType: try row.decode(String.self, column: "aircraft_type"), currency: try row.decode(String.self, column: "currency"),
            status: try row.decode(String.self, column: "status"), gate: try row.decode(String?.self, column: "gate"))
    }

    /// Base fares by cabin wire name.
    static func fares(_ db: PostgresConnection, _ flightId: UUID) throws -> [String: Int] {
        let rows = try db.query("SELECT cabin, base_fare FROM flight_cabins WHERE flight_id = $1", flightId)
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.decode(String.self, column: "cabin"), try $0.decode(Int.self, column: "base_fare")) })
    }

    static func snapshot(_ db: PostgresConnection, _ flight: FlightRecord) throws -> FlightSnapshot {
        FlightSnapshot(flightId: flight.flightId, number: flight.number, origin: flight.origin,
                       destination: flight.destination, departure: flight.departure, arrival: flight.arrival,
                       aircraftType: flight.aircraftType, status: flight.status, gate: flight.gate,
                       fares: try fares(db, flight.flightId), currency: flight.currency)
    }

    /// Loads and locks a flight a command changes, or refuses the command for good.
    static func lockForChange(_ db: PostgresConnection, _ flightId: UUID) throws -> FlightRecord {
        guard let flight = try load(db, flightId, lock: true) else {
            throw HandlerError.permanent("flightId: no flight \(flightId.lowercasedString)")
        }
        guard !flight.isCancelled else {
            throw HandlerError.permanent("flightId: flight \(flight.number) \(flightId.lowercasedString) is cancelled")
        }
        return flight
    }

    /// Each cabin of the layout needs a fare, and each fare a cabin of the layout.
    static func checkFares(_ fares: [String: Int], fit layout: AircraftLayout) throws {
        for cabin in fares.keys.sorted() where layout.cabin(Cabin(rawValue: cabin)!) == nil {
            throw HandlerError.permanent("fares.\(cabin): the \(layout.code) has no \(cabin) cabin")
        }
        for cabin in layout.cabins where fares[cabin.cabin.rawValue] == nil {
            throw HandlerError.permanent("fares.\(cabin.cabin.rawValue): the \(layout.code) has a \(cabin.cabin.rawValue) cabin, which needs a fare")
        }
    }

    static func layout(_ code: String, field: String = "aircraftType") throws -> AircraftLayout {
        guard let layout = AircraftLayout.find(code) else {
            throw HandlerError.permanent("\(field): unknown aircraft type \(code) (known: \(AircraftLayout.all.map(\.code).joined(separator: ", ")))")
        }
        return layout
    }

    /// Writes a flight's cabins from its layout and fares.
    static func insertCabins(_ db: PostgresConnection, _ flightId: UUID, layout: AircraftLayout, fares: [String: Int]) throws {
        try db.execute(
            """
            INSERT INTO flight_cabins (flight_id, cabin, seats, base_fare)
            SELECT $1, * FROM unnest($2::text[], $3::int[], $4::bigint[])
            """,
            flightId, layout.cabins.map(\.cabin.rawValue), layout.cabins.map { Int32($0.seats.count) },
            layout.cabins.map { fares[$0.cabin.rawValue]! })
    }
}
