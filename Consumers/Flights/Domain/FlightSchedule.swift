import Contracts
import Foundation

/// A believable timetable between airports, as `flight.schedule.v1` commands: each airport flies
/// to its nearest neighbours and to its nearest hubs, each route one to three times a day at
/// fixed local times, with block times from great-circle distance, narrow-bodies on short routes
/// and wide-bodies on long ones.
///
/// Deterministic for a seed, and a flight's id depends only on the seed, its number and its local
/// date, so seeding again (or for more days) schedules no flight twice.
public enum FlightSchedule {
    static let airlines = ["AF", "BA", "LH", "UA", "DL", "EK", "SQ", "QF", "NH", "KL", "IB", "AA", "TK", "QR", "CX", "LX"]
    static let hubs: Set<String> = ["LHR", "JFK", "DXB", "SIN", "FRA", "CDG", "LAX", "HND", "ATL", "IST", "HKG"]
    static let euro: Set<String> = ["FR", "NL", "DE", "ES", "IT", "AT", "IE", "PT"]

    struct Route {
        let origin, destination: Airport
        let distanceKm: Double
        let airline: String
        let baseNumber: Int
        /// Local departure times at the origin, minutes after midnight.
        let departures: [Int]
        let aircraft: AircraftLayout
    }

    /// Flights leaving after `start` on `days` local calendar days from `start`'s day at each origin.
    public static func generate(days: Int, startingAt start: Date, airports: [Airport] = SeedAirports.all,
                                seed: UInt64 = 1) -> [ScheduleFlight] {
        guard days > 0, airports.count >= 2 else { return [] }
        let routes = makeRoutes(airports.sorted { $0.code < $1.code }, seed: seed)
        var flights: [ScheduleFlight] = []
        for route in routes {
            guard let zone = TimeZone(identifier: route.origin.timeZone) else { continue }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let firstDay = calendar.startOfDay(for: start)
            let blockMinutes = Int((route.distanceKm / 830 * 60 + 35) / 5) * 5
            for day in 0..<days {
                guard let midnight = calendar.date(byAdding: .day, value: day, to: firstDay) else { continue }
                let localDate = calendar.dateComponents([.year, .month, .day], from: midnight)
                for (slot, minutes) in route.departures.enumerated() {
                    let parts = DateComponents(year: localDate.year, month: localDate.month, day: localDate.day,
                                               hour: minutes / 60, minute: minutes % 60)
                    guard let departure = calendar.date(from: parts), departure > start else { continue }
                    let number = "\(route.airline)\(route.baseNumber + slot)"
                    let dateText = String(format: "%04d-%02d-%02d", localDate.year!, localDate.month!, localDate.day!)
                    flights.append(ScheduleFlight(
                        flightId: stableID(seed: seed, "\(number)|\(route.origin.code)|\(dateText)"),
                        number: number, origin: route.origin.code, destination: route.destination.code,
                        departure: departure, arrival: departure.addingTimeInterval(Double(blockMinutes * 60)),
                        aircraftType: route.aircraft.code, fares: fares(route), currency: currency(route.origin)))
                }
            }
        }
        return flights.sorted { ($0.departure, $0.number) < ($1.departure, $1.number) }
    }

    static func makeRoutes(_ airports: [Airport], seed: UInt64) -> [Route] {
        var pairs = Set<[String]>()
        let byCode = Dictionary(uniqueKeysWithValues: airports.map { ($0.code, $0) })
        for airport in airports {
            let others = airports.filter { $0.code != airport.code }
                .sorted { distanceKm(airport, $0) < distanceKm(airport, $1) }
            let neighbours = others.prefix(3)
            let nearHubs = others.filter { hubs.contains($0.code) }.prefix(2)
            for other in neighbours + nearHubs { pairs.insert([airport.code, other.code].sorted()) }
        }
        var random = SplitMix64(seed: seed)
        var routes: [Route] = []
        for (index, pair) in pairs.sorted(by: { $0.lexicographicallyPrecedes($1) }).enumerated() {
            for (from, to) in [(pair[0], pair[1]), (pair[1], pair[0])] {
                let origin = byCode[from]!, destination = byCode[to]!
                let distance = distanceKm(origin, destination)
                let frequency = distance < 1500 ? 3 : distance < 5000 ? 2 : 1
                let departures = (0..<frequency).map { slot in
                    // Spread the day's departures between 06:00 and 22:55, on five-minute marks.
                    let window = (22 - 6) * 60 / frequency
                    return 6 * 60 + slot * window + Int(random.next() % UInt64(window / 5)) * 5
                }
                let aircraft = distance < 4000
                    ? AircraftLayout.find(random.next() % 2 == 0 ? "A320" : "B737-800")!
                    : AircraftLayout.find(random.next() % 2 == 0 ? "A350-900" : "B777-300ER")!
                routes.append(Route(origin: origin, destination: destination, distanceKm: distance,
                                    airline: airlines[Int(random.next() % UInt64(airlines.count))],
                                    baseNumber: 100 + index * 8 + (from < to ? 0 : 4),
                                    departures: departures, aircraft: aircraft))
            }
        }
        return routes
    }

    /// Base fares rise with distance; premium cabins cost a multiple of economy.
    static func fares(_ route: Route) -> [String: Int] {
        let economy = Int((49 + route.distanceKm * 0.08).rounded()) * 100
        let factors: [Cabin: Double] = [.economy: 1, .premiumEconomy: 1.8, .business: 4, .first: 7]
        var fares: [String: Int] = [:]
        for cabin in route.aircraft.cabins {
            fares[cabin.cabin.rawValue] = Int((Double(economy) * factors[cabin.cabin]! / 100).rounded()) * 100
        }
        return fares
    }

    static func currency(_ airport: Airport) -> String {
        if airport.country == "GB" { return "GBP" }
        if euro.contains(airport.country) { return "EUR" }
        return "USD"
    }

    static func distanceKm(_ a: Airport, _ b: Airport) -> Double {
        let radians = Double.pi / 180
        let dLat = (b.latitude - a.latitude) * radians
        let dLon = (b.longitude - a.longitude) * radians
        let h = sin(dLat / 2) * sin(dLat / 2)
            + cos(a.latitude * radians) * cos(b.latitude * radians) * sin(dLon / 2) * sin(dLon / 2)
        return 6371 * 2 * atan2(h.squareRoot(), (1 - h).squareRoot())
    }

    /// A UUID (version 4 layout) from FNV-1a hashes of the text: stable across runs and platforms.
    static func stableID(seed: UInt64, _ text: String) -> UUID {
        func fnv(_ basis: UInt64) -> UInt64 {
            var hash = basis ^ seed
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
            var mixer = SplitMix64(seed: hash)
            return mixer.next()
        }
        let high = fnv(0xcbf29ce484222325), low = fnv(0x84222325cbf29ce4)
        var bytes = withUnsafeBytes(of: high.bigEndian, Array.init) + withUnsafeBytes(of: low.bigEndian, Array.init)
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

/// A small, well-known generator, so a seed gives the same timetable on every platform
/// (Swift's SystemRandomNumberGenerator cannot be seeded).
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e3779b97f4a7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
        z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
        return z ^ (z >> 31)
    }
}
