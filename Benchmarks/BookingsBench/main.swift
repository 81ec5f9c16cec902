import Bookings
import Contracts
import Fleet
import FleetTestSupport
import Flights
import Foundation
import Logging
import Payments
import Postgres

// Bookings confirmed per second end to end through messages: a burst of booking.create.v1 for
// one passenger each, through flights (hold, confirm), payments (the sandbox provider, no
// latency unless asked) and the saga, until every booking is confirmed.
// Usage: bookings-bench [--bookings N] [--runs R] [--bookings-services B] [--latency-ms L]
// Runs against the test servers (source .airfleet/test/env.sh), each run in a virtual host and
// schemas of its own.

struct Options {
    var bookings = 1_000
    var runs = 3
    var bookingsServices = 1
    var latencyMilliseconds = 0

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst().flatMap(Int.init), value >= 0 else { throw FleetError("\(flag) needs a number") }
            switch flag {
            case "--bookings": bookings = max(1, value)
            case "--runs": runs = max(1, value)
            case "--bookings-services": bookingsServices = max(1, value)
            case "--latency-ms": latencyMilliseconds = value
            default: throw FleetError("unknown option \(flag); usage: bookings-bench [--bookings N] [--runs R] [--bookings-services B] [--latency-ms L]")
            }
        }
    }
}

struct RunResult {
    let perSecond: Double
    let median: Double
    let p99: Double
}

func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction))]
}

func run(_ options: Options) throws -> RunResult {
    let fleet = try TestFleet(["AIRFLEET_LOG_LEVEL": "warning"], contexts: [
        FlightsContext.definition(), BookingsContext.definition(), PaymentsContext.definition(gateway: SandboxGateway(
            database: try PostgresConfiguration(url: try TestServersURL.database()), schema: "unused", logger: Logger(label: "bench"))),
    ])
    defer { fleet.tearDown() }
    let sandbox = SandboxGateway(database: try fleet.configuration.database(for: "payments"),
                                 schema: fleet.configuration.schema(for: "payments"),
                                 settings: .init(latency: .milliseconds(options.latencyMilliseconds), clientTimeout: .seconds(10)),
                                 logger: fleet.logger)
    _ = try fleet.start(FlightsContext.definition())
    _ = try fleet.start(PaymentsContext.definition(gateway: sandbox))
    for _ in 0..<options.bookingsServices { _ = try fleet.start(BookingsContext.definition()) }

    // Enough A320s that no booking meets a full cabin (150 economy seats each).
    let departure = Date().addingTimeInterval(10 * 86_400)
    let flights = (0..<(options.bookings + 139) / 140).map { index in
        ScheduleFlight(flightId: UUID(), number: "AF\(100 + index)", origin: "CDG", destination: "JFK", departure: departure,
                       arrival: departure.addingTimeInterval(8 * 3600), aircraftType: "A320", fares: ["business": 200_000, "economy": 40_000],
                       currency: "EUR")
    }
    let publisher = try fleet.publisher()
    defer { publisher.close() }
    _ = try publisher.publish(flights.map { try OutgoingMessage.make($0, source: "bench") })
    let schema = fleet.schema("bookings")
    try fleet.eventually("flights are scheduled") {
        try fleet.integer("SELECT count(*) FROM \(fleet.schema("flights")).flights") == flights.count
    }
    let requests = (0..<options.bookings).map { index in
        CreateBooking(bookingId: UUID(), customerId: UUID(), flightId: flights[index % flights.count].flightId, cabin: .economy,
                      passengers: [PassengerDetails(firstName: "Ana", lastName: "Lima", dateOfBirth: "1984-03-07")],
                      contactEmail: "ana@example.com", paymentToken: "tok_visa")
    }
    let started = Date()
    for start in stride(from: 0, to: requests.count, by: 500) {
        _ = try publisher.publish(requests[start..<min(start + 500, requests.count)].map { try OutgoingMessage.make($0, source: "bench") })
    }
    try fleet.eventually("\(options.bookings) bookings are confirmed", timeout: .seconds(600)) {
        try fleet.integer("SELECT count(*) FROM \(schema).bookings WHERE state = 'confirmed'") == options.bookings
    }
    let rows = try fleet.database().query("SELECT created_at, confirmed_at FROM \(schema).bookings")
    let sagaTimes = try rows.map { row in
        try row.decode(Date.self, at: 1).timeIntervalSince(try row.decode(Date.self, at: 0)) * 1000
    }.sorted()
    let last = try rows.map { try $0.decode(Date.self, at: 1) }.max()!
    return RunResult(perSecond: Double(options.bookings) / last.timeIntervalSince(started),
                     median: percentile(sagaTimes, 0.5), p99: percentile(sagaTimes, 0.99))
}

/// The test database's URL, for the definition that only declares the topology.
enum TestServersURL {
    static func database() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["AIRFLEET_TEST_DATABASE_URL"] else {
            throw FleetError("AIRFLEET_TEST_DATABASE_URL is not set: source .airfleet/test/env.sh (ops/test --keep) first")
        }
        return url
    }
}

do {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    var results: [RunResult] = []
    for index in 1...options.runs {
        let result = try run(options)
        results.append(result)
        FileHandle.standardError.write(Data(String(format: "run %d: %.0f bookings/s, saga median %.0f ms, p99 %.0f ms\n",
                                                   index, result.perSecond, result.median, result.p99).utf8))
    }
    let rates = results.map(\.perSecond).sorted()
    print(String(format: "%d bookings x %d runs, 1 flights + 1 payments + %d bookings services, provider latency %d ms",
                 options.bookings, options.runs, options.bookingsServices, options.latencyMilliseconds))
    print(String(format: "confirmed per second: median %.0f (min %.0f, max %.0f)", rates[rates.count / 2], rates.first!, rates.last!))
    let medians = results.map(\.median).sorted(), tails = results.map(\.p99).sorted()
    print(String(format: "saga time, request handled to confirmed (burst): median %.0f ms, p99 %.0f ms (medians of runs)",
                 medians[medians.count / 2], tails[tails.count / 2]))
} catch {
    FileHandle.standardError.write(Data("bookings-bench: \(error)\n".utf8))
    exit(1)
}
