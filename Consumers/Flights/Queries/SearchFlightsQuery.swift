import Contracts
import Fleet
import Foundation
import Postgres

/// `flight.search.v1`: one route on one local day, read through the (origin, destination,
/// departure) index. Only flights that can still be booked are listed: not cancelled, and
/// departing later than now, the same cut-off a seat hold applies. The local day becomes a UTC range with Foundation's time zone rules for the
/// origin airport, so "2026-12-01 at JFK" is [05:00Z, 05:00Z next day) in winter.
enum SearchFlightsQuery {
    static func answer(_ envelope: Envelope<SearchFlights>, _ context: QueryContext) throws -> SearchFlights.Response {
        let query = envelope.data
        let db = context.database
        let zones = try db.query("SELECT code, time_zone FROM airports WHERE code = ANY($1::text[])",
                                 [[query.origin, query.destination]])
        let known = Dictionary(uniqueKeysWithValues: try zones.map { (try $0.decode(String.self, column: "code"), try $0.decode(String.self, column: "time_zone")) })
        guard let zoneName = known[query.origin] else { throw QueryError.invalid("origin", "unknown airport \(query.origin)") }
        guard known[query.destination] != nil else { throw QueryError.invalid("destination", "unknown airport \(query.destination)") }
        guard let zone = TimeZone(identifier: zoneName) else {
            throw QueryError(kind: .internal, message: "airport \(query.origin) has time zone \(zoneName), which this system does not know")
        }
        let (from, until) = try localDay(query.date, in: zone)

        let price = Pricing.sqlPrice(baseFare: "c.base_fare", taken: "c.taken", capacity: "c.seats")
        let order = query.effectiveSort == .price ? "price, f.departure, f.flight_id" : "f.departure, price, f.flight_id"
        let pageSize = query.effectivePageSize
        let filter = """
            FROM flights f JOIN flight_cabins c ON c.flight_id = f.flight_id AND c.cabin = $3
            WHERE f.origin = $1 AND f.destination = $2 AND f.departure >= $4 AND f.departure < $5
              AND f.departure > now() AND f.status <> 'cancelled' AND c.seats - c.taken >= $6
            """
        let rows = try db.query(
            """
            SELECT f.flight_id, f.number, f.origin, f.destination, f.departure, f.arrival, f.status, f.aircraft_type,
                   f.currency, c.seats - c.taken AS seats_left, \(price) AS price, count(*) OVER () AS total
            \(filter)
            ORDER BY \(order) LIMIT $7 OFFSET $8
            """,
            query.origin, query.destination, query.cabin.rawValue, from, until, query.passengers, pageSize,
            (query.effectivePage - 1) * pageSize)
        var total = try rows.first?.decode(Int.self, column: "total") ?? 0
        if rows.isEmpty, query.effectivePage > 1 {
            // Past the last page the window has no row to report the count on.
            total = try db.query("SELECT count(*) AS total \(filter)", query.origin, query.destination, query.cabin.rawValue,
                                 from, until, query.passengers).first!.decode(Int.self, column: "total")
        }
        let local = Date.VerbatimFormatStyle(
            format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits)T\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)",
            timeZone: zone, calendar: Calendar(identifier: .gregorian))
        let offers = try rows.map { row in
            let perPassenger = try row.decode(Int.self, column: "price")
            let departure = try row.decode(Date.self, column: "departure")
            return FlightOffer(
                flightId: try row.decode(UUID.self, column: "flight_id"), number: try row.decode(String.self, column: "number"),
                origin: try row.decode(String.self, column: "origin"), destination: try row.decode(String.self, column: "destination"),
                departure: departure, arrival: try row.decode(Date.self, column: "arrival"), localDeparture: departure.formatted(local),
                status: try row.decode(String.self, column: "status"), aircraftType: try row.decode(String.self, column: "aircraft_type"),
                cabin: query.cabin, pricePerPassenger: perPassenger, totalPrice: perPassenger * query.passengers,
                currency: try row.decode(String.self, column: "currency"), seatsLeft: try row.decode(Int.self, column: "seats_left"))
        }
        return SearchFlights.Response(flights: offers, page: query.effectivePage, pageSize: pageSize, total: total)
    }

    /// The UTC instants a local calendar day spans in a time zone (23 or 25 hours on DST days).
    static func localDay(_ text: String, in zone: TimeZone) throws -> (from: Date, until: Date) {
        let (year, month, day) = try FlightRules.localDate(text, field: "date")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let start = calendar.date(from: DateComponents(year: year, month: month, day: day)),
              let end = calendar.date(byAdding: .day, value: 1, to: start) else {
            throw QueryError.invalid("date", "\(text) has no start in \(zone.identifier)")
        }
        return (start, end)
    }
}
