import AMQP
import Contracts
import Fleet
import FleetTestSupport
import Flights
import Foundation
import Postgres
import XCTest

/// A test fleet with the Flights context, a queue that keeps every event published in the test's
/// virtual host, and helpers to schedule flights and read outcomes.
class FlightsTestCase: XCTestCase {
    var fleet: TestFleet!
    var tap: EventTap!

    override func setUpWithError() throws {
        fleet = try TestFleet(contexts: [FlightsContext.definition()])
        tap = try EventTap(fleet)
    }

    override func tearDown() {
        tap?.close()
        fleet?.tearDown()
    }

    var flights: String { fleet.schema("flights") }

    func client() throws -> QueryClient {
        try QueryClient(amqp: fleet.configuration.amqp, source: "airfleet/tests", logger: fleet.logger)
    }

    /// Midnight UTC some days ahead, so "departure in the future" holds whenever the test runs.
    func day(_ offset: Int, hour: Int = 12, minute: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let today = calendar.startOfDay(for: Date())
        return calendar.date(byAdding: DateComponents(day: offset, hour: hour, minute: minute), to: today)!
    }

    func makeFlight(number: String = "AF1", origin: String = "CDG", destination: String = "JFK", departure: Date? = nil,
                    hours: Double = 8, aircraft: String = "A320", fares: [String: Int] = ["business": 200_000, "economy": 40_000],
                    currency: String = "EUR") -> ScheduleFlight {
        let departure = departure ?? day(10)
        return ScheduleFlight(flightId: UUID(), number: number, origin: origin, destination: destination,
                              departure: departure, arrival: departure.addingTimeInterval(hours * 3600),
                              aircraftType: aircraft, fares: fares, currency: currency)
    }

    /// Publishes schedules and waits until every flight is in the database.
    @discardableResult
    func schedule(_ commands: [ScheduleFlight]) throws -> [ScheduleFlight] {
        let publisher = try fleet.publisher()
        defer { publisher.close() }
        _ = try publisher.publish(commands.map { try OutgoingMessage.make($0, source: "airfleet/tests") })
        let ids = commands.map(\.flightId)
        try fleet.eventually("\(commands.count) flights are scheduled") {
            try fleet.integer("SELECT count(*) FROM \(flights).flights WHERE flight_id = ANY($1::uuid[])", ids) == ids.count
        }
        return commands
    }

    func publish<C: Command>(_ commands: [C]) throws {
        let publisher = try fleet.publisher()
        defer { publisher.close() }
        let receipts = try publisher.publish(commands.map { try OutgoingMessage.make($0, source: "airfleet/tests") })
        XCTAssertTrue(receipts.allSatisfy { $0.outcome == .delivered }, "\(receipts)")
    }

    /// Fails when a cabin's list of seats held or sold is not exactly its rows in seat_assignments.
    func assertCabinsListTheirSeatRows(file: StaticString = #filePath, line: UInt = #line) throws {
        let differing = try fleet.integer(
            """
            SELECT count(*) FROM \(flights).flight_cabins c
            WHERE ARRAY(SELECT label FROM unnest(c.taken_seats) AS t(label) ORDER BY label)
               <> ARRAY(SELECT seat FROM \(flights).seat_assignments a WHERE a.flight_id = c.flight_id AND a.cabin = c.cabin ORDER BY seat)
            """)
        XCTAssertEqual(differing, 0, "cabins whose taken_seats differ from their seat_assignments", file: file, line: line)
    }

    /// A connection whose search path is the flights schema, as a handler's is.
    func flightsConnection() throws -> PostgresConnection {
        var configuration = try PostgresConfiguration(url: fleet.environment["AIRFLEET_DATABASE_URL"]!)
        configuration.settings["search_path"] = "\(flights), public"
        return try PostgresConnection(configuration, logger: fleet.logger)
    }
}

