import Contracts
import Fleet
import FleetTestSupport
import Flights
import Foundation
import XCTest

/// Scheduling through the broker, search, seat maps and airports, answered by the query worker.
final class ScheduleAndSearchTests: FlightsTestCase {
    func testSchedulingPublishesTheFlightAndARepeatSchedulesItOnce() throws {
        _ = try fleet.start(FlightsContext.definition())
        let command = makeFlight(number: "AF22", fares: ["business": 150_000, "economy": 35_000])
        try schedule([command])
        try publish([command])  // a retried request: a new message id, the same flightId
        let events = try tap.wait(for: FlightScheduled.self, count: 2, in: fleet)
        XCTAssertEqual(events[0], events[1])
        XCTAssertEqual(events[0].flight.flightId, command.flightId)
        XCTAssertEqual(events[0].flight.fares, ["business": 150_000, "economy": 35_000])
        XCTAssertEqual(events[0].flight.status, "scheduled")
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(flights).flights"), 1)
        XCTAssertEqual(try fleet.integer("SELECT sum(seats) FROM \(flights).flight_cabins WHERE flight_id = $1", command.flightId), 162)
        let got = try client().ask(GetFlight(flightId: command.flightId))
        XCTAssertEqual(got.flight, events[0].flight)
        XCTAssertEqual(got.cabins.map(\.cabin), [.business, .economy])
        XCTAssertEqual(got.cabins.map(\.seatsLeft), [12, 150])
    }

    func testInvalidSchedulesAreDeadLetteredNamingTheField() throws {
        _ = try fleet.start(FlightsContext.definition())
        var pastDeparture = makeFlight(); pastDeparture.departure = Date().addingTimeInterval(-3600)
        var landsFirst = makeFlight(); landsFirst.arrival = landsFirst.departure.addingTimeInterval(-60)
        var badCode = makeFlight(); badCode.origin = "PA1"
        var zeroFare = makeFlight(); zeroFare.fares = ["economy": 0, "business": 1]
        var badCurrency = makeFlight(); badCurrency.currency = "eu"
        var unknownAirport = makeFlight(); unknownAirport.destination = "XXX"
        var unknownAircraft = makeFlight(); unknownAircraft.aircraftType = "A380"
        var missingFare = makeFlight(); missingFare.fares = ["economy": 100]
        try publish([pastDeparture, landsFirst, badCode, zeroFare, badCurrency, unknownAirport, unknownAircraft, missingFare])
        try fleet.eventually("eight dead letters") { try fleet.queueState("airfleet.flights.dlq").messageCount == 8 }
        let reasons = Set(try fleet.drain("airfleet.flights.dlq").map {
            "\($0.properties.headers[FailureHeaders.errorKind]?.stringValue ?? "?") \($0.properties.headers[FailureHeaders.error]?.stringValue ?? "?")"
        })
        XCTAssertEqual(reasons, [
            "invalid departure: must be in the future",
            "invalid arrival: must be after departure",
            "invalid origin: must be a 3-letter IATA airport code in capitals, such as JFK",
            "invalid fares.economy: must be a positive amount in minor units",
            "invalid currency: must be a 3-letter ISO 4217 currency code, such as EUR",
            "rejected destination: unknown airport XXX",
            "rejected aircraftType: unknown aircraft type A380 (known: A320, B737-800, A350-900, B777-300ER)",
            "rejected fares.business: the A320 has a business cabin, which needs a fare",
        ])
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(flights).flights"), 0)
    }

    /// A flight that has left cannot be booked, so search does not offer it, even on its own day.
    func testSearchLeavesOutFlightsThatHaveDeparted() throws {
        _ = try fleet.start(FlightsContext.definition())
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Paris")!
        let now = Date()
        let today = calendar.startOfDay(for: now)
        let tomorrow = calendar.date(byAdding: .day, value: 1, to: today)!
        // Both on today's date at CDG, whatever the time of day the test runs.
        let later = makeFlight(number: "AF11", departure: now.addingTimeInterval(tomorrow.timeIntervalSince(now) / 2))
        let gone = makeFlight(number: "AF10", departure: later.departure)
        try schedule([later, gone])
        let left = today.addingTimeInterval(now.timeIntervalSince(today) / 2)
        try fleet.database().execute("UPDATE \(flights).flights SET departure = $2, arrival = $3 WHERE flight_id = $1",
                                     gone.flightId, left, left.addingTimeInterval(8 * 3600))

        let parts = calendar.dateComponents([.year, .month, .day], from: now)
        let date = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        let found = try client().ask(SearchFlights(origin: "CDG", destination: "JFK", date: date))
        XCTAssertEqual(found.flights.map(\.number), ["AF11"])
        XCTAssertEqual(found.total, 1)
        // Holding a seat on it is refused for the same reason.
        let hold = HoldSeats(holdId: UUID(), bookingId: UUID(), flightId: gone.flightId, cabin: "economy", count: 1)
        try publish([hold])
        XCTAssertEqual(try tap.wait(for: SeatsHoldRejected.self, count: 1, in: fleet).first?.reason, .flightDeparted)
    }

    func testSearchFiltersSortsAndPages() throws {
        _ = try fleet.start(FlightsContext.definition())
        let date = day(20)
        var commands: [ScheduleFlight] = []
        // Seven CDG→JFK flights that day, at different hours and fares; one more the next day,
        // one on another route, one cancelled, one whose business cabin is nearly full.
        for index in 0..<7 {
            commands.append(makeFlight(number: "AF\(100 + index)", departure: date.addingTimeInterval(Double(index) * 3600 - 4 * 3600),
                                       fares: ["business": 300_000, "economy": 50_000 - index * 3_000]))
        }
        commands.append(makeFlight(number: "AF200", departure: day(21, hour: 10)))
        commands.append(makeFlight(number: "AF300", destination: "LHR", departure: date, hours: 1.2))
        let cancelled = makeFlight(number: "AF400", departure: date.addingTimeInterval(600))
        let busy = makeFlight(number: "AF500", departure: date.addingTimeInterval(1200), fares: ["business": 100_000, "economy": 10_000])
        try schedule(commands + [cancelled, busy])
        try publish([CancelFlight(flightId: cancelled.flightId, reason: "crew strike")])
        try publish([HoldSeats(holdId: UUID(), bookingId: UUID(), flightId: busy.flightId, cabin: "business", count: 9)])
        try tap.wait(for: FlightCancelled.self, count: 1, in: fleet)
        try tap.wait(for: SeatsHeld.self, count: 1, in: fleet)

        let client = try client()
        let localDate = String(FleetJSON.formatTimestamp(date).prefix(10))  // Paris is ahead of UTC: 08:00–14:00Z is that day there
        let byDeparture = try client.ask(SearchFlights(origin: "CDG", destination: "JFK", date: localDate))
        XCTAssertEqual(byDeparture.total, 8)
        XCTAssertEqual(byDeparture.flights.map(\.number), ["AF100", "AF101", "AF102", "AF103", "AF104", "AF500", "AF105", "AF106"])
        XCTAssertTrue(byDeparture.flights.allSatisfy { $0.cabin == .economy && $0.seatsLeft == 150 && $0.currency == "EUR" })

        let byPrice = try client.ask(SearchFlights(origin: "CDG", destination: "JFK", date: localDate, sort: .price))
        XCTAssertEqual(byPrice.flights.map(\.pricePerPassenger), [10_000, 32_000, 35_000, 38_000, 41_000, 44_000, 47_000, 50_000])

        let page2 = try client.ask(SearchFlights(origin: "CDG", destination: "JFK", date: localDate, passengers: 2, sort: .price, page: 2, pageSize: 3))
        XCTAssertEqual(page2.total, 8)
        XCTAssertEqual(page2.flights.map(\.number), ["AF104", "AF103", "AF102"])
        XCTAssertEqual(page2.flights.map(\.totalPrice), [76_000, 82_000, 88_000])
        let beyond = try client.ask(SearchFlights(origin: "CDG", destination: "JFK", date: localDate, page: 9, pageSize: 3))
        XCTAssertEqual(beyond.flights, [])
        XCTAssertEqual(beyond.total, 8)

        // Business: the busy flight has 3 of 12 seats left (75 % gone → ×1.25), so it shows for
        // 3 passengers and not for 4.
        let business3 = try client.ask(SearchFlights(origin: "CDG", destination: "JFK", date: localDate, passengers: 3, cabin: .business))
        XCTAssertEqual(business3.total, 8)
        let busyOffer = try XCTUnwrap(business3.flights.first { $0.number == "AF500" })
        XCTAssertEqual(busyOffer.seatsLeft, 3)
        XCTAssertEqual(busyOffer.pricePerPassenger, 125_000)
        let business4 = try client.ask(SearchFlights(origin: "CDG", destination: "JFK", date: localDate, passengers: 4, cabin: .business))
        XCTAssertEqual(business4.total, 7)
        XCTAssertFalse(business4.flights.contains { $0.number == "AF500" })

        XCTAssertThrowsError(try client.ask(SearchFlights(origin: "ZZZ", destination: "JFK", date: localDate))) { error in
            XCTAssertEqual((error as? QueryError)?.field, "origin")
        }
        XCTAssertThrowsError(try client.ask(SearchFlights(origin: "CDG", destination: "JFK", date: localDate, pageSize: 500))) { error in
            XCTAssertEqual((error as? QueryError)?.kind, .invalid)
        }
    }

    func testTheSearchDateIsTheLocalDateAtTheOrigin() throws {
        _ = try fleet.start(FlightsContext.definition())
        let year = Calendar(identifier: .gregorian).component(.year, from: Date()) + 1
        func at(_ text: String) -> Date { FleetJSON.parseTimestamp("\(year)-\(text)")! }
        let evening = makeFlight(number: "DL1", origin: "JFK", destination: "LAX", departure: at("12-01T23:30:00Z"), hours: 6)
        let lateNight = makeFlight(number: "DL2", origin: "JFK", destination: "LAX", departure: at("12-02T03:00:00Z"), hours: 6)
        let nextMorning = makeFlight(number: "DL3", origin: "JFK", destination: "LAX", departure: at("12-02T05:00:00Z"), hours: 6)
        // Tokyo is ahead: 2026-12-01T16:00Z is already 12-02 there.
        let tokyo = makeFlight(number: "NH1", origin: "HND", destination: "SIN", departure: at("12-01T16:00:00Z"), hours: 7)
        try schedule([evening, lateNight, nextMorning, tokyo])
        let client = try client()
        let first = try client.ask(SearchFlights(origin: "JFK", destination: "LAX", date: "\(year)-12-01"))
        XCTAssertEqual(first.flights.map(\.number), ["DL1", "DL2"])
        XCTAssertEqual(first.flights.map(\.localDeparture), ["\(year)-12-01T18:30", "\(year)-12-01T22:00"])
        XCTAssertEqual(try client.ask(SearchFlights(origin: "JFK", destination: "LAX", date: "\(year)-12-02")).flights.map(\.number), ["DL3"])
        XCTAssertEqual(try client.ask(SearchFlights(origin: "HND", destination: "SIN", date: "\(year)-12-02")).flights.map(\.number), ["NH1"])
        XCTAssertEqual(try client.ask(SearchFlights(origin: "HND", destination: "SIN", date: "\(year)-12-01")).total, 0)
    }

    func testTheSeatMapShowsEverySeatWithItsState() throws {
        _ = try fleet.start(FlightsContext.definition())
        let flight = try schedule([makeFlight()])[0]
        let sold = HoldSeats(holdId: UUID(), bookingId: UUID(), flightId: flight.flightId, cabin: "business", seats: ["1A", "1C"])
        let held = HoldSeats(holdId: UUID(), bookingId: UUID(), flightId: flight.flightId, cabin: "economy", seats: ["12F"])
        try publish([sold, held])
        try tap.wait(for: SeatsHeld.self, count: 2, in: fleet)
        try publish([ConfirmSeats(holdId: sold.holdId, bookingId: sold.bookingId)])
        try tap.wait(for: SeatsConfirmed.self, count: 1, in: fleet)

        let map = try client().ask(GetSeatMap(flightId: flight.flightId))
        XCTAssertEqual(map.aircraftType, "A320")
        XCTAssertEqual(map.seats.count, 162)
        XCTAssertEqual(map.seats.first, SeatState(seat: "1A", row: 1, letter: "A", cabin: .business, state: .sold))
        let states = Dictionary(uniqueKeysWithValues: map.seats.map { ($0.seat, $0.state) })
        XCTAssertEqual(states["1C"], .sold)
        XCTAssertEqual(states["12F"], .held)
        XCTAssertEqual(map.seats.filter { $0.state == .available }.count, 159)
        XCTAssertEqual(Set(map.seats.filter { $0.cabin == .business }.map(\.row)), [1, 2, 3])

        XCTAssertThrowsError(try client().ask(GetSeatMap(flightId: UUID()))) { error in
            XCTAssertEqual((error as? QueryError)?.kind, .notFound)
        }
    }

    func testAirportsAreSeededWithTheSameDataAsTheSwiftList() throws {
        _ = try fleet.start(FlightsContext.definition())
        let listed = try client().ask(ListAirports()).airports
        XCTAssertEqual(listed, SeedAirports.all.sorted { $0.code < $1.code })
        XCTAssertEqual(try client().ask(ListAirports(country: "JP")).airports.map(\.code), ["HND", "NRT"])
    }
}
