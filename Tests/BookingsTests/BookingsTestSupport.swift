import AMQP
@testable import Bookings
import Contracts
import Fleet
import FleetTestSupport
import Flights
import Foundation
import Logging
@testable import Payments
import Postgres
import XCTest

/// A test fleet with flights, bookings and payments, a queue that keeps every event of the
/// test's virtual host, and helpers to book, wait for outcomes and count what the sandbox
/// provider charged.
class BookingsTestCase: XCTestCase {
    var fleet: TestFleet!
    var tap: EventTap!
    let customer = UUID()
    /// The services `startFleet` started, by context.
    var services: [(context: String, service: RunningService)] = []

    static let bookingSettings = BookingSettings(holdTime: .seconds(30), stepTimeout: .seconds(20),
                                                 timeoutSweepInterval: .milliseconds(250))
    static let paymentSettings = PaymentsContext.Settings(
        breakerFailures: 5, breakerCoolDown: .seconds(2), retry: RetryPolicy(attempts: 3, base: 0.02, cap: 0.2),
        maxDeliveries: 3)
    static let sandboxSettings = SandboxGateway.Settings(latency: .milliseconds(2), clientTimeout: .milliseconds(200))

    override func setUpWithError() throws {
        let contexts = [FlightsContext.definition(), BookingsContext.definition(),
                        PaymentsContext.definition(gateway: UnusedGateway())]
        fleet = try TestFleet(contexts: contexts)
        tap = try EventTap(fleet)
    }

    override func tearDown() {
        tap?.close()
        fleet?.tearDown()
    }

    var bookings: String { fleet.schema("bookings") }
    var flights: String { fleet.schema("flights") }
    var payments: String { fleet.schema("payments") }

    // MARK: Running the contexts

    func sandbox(_ settings: SandboxGateway.Settings = sandboxSettings) throws -> SandboxGateway {
        SandboxGateway(database: try fleet.configuration.database(for: "payments"),
                       schema: fleet.configuration.schema(for: "payments"), settings: settings, logger: fleet.logger)
    }

    /// Starts consumer services in this process; each payments service has its own gateway
    /// connection and circuit breaker, as separate processes would.
    func startFleet(bookings: Int = 1, flights: Int = 1, payments: Int = 1,
                    bookingSettings: BookingSettings = bookingSettings,
                    paymentSettings: PaymentsContext.Settings = paymentSettings,
                    sandboxSettings: SandboxGateway.Settings = sandboxSettings,
                    runtime: [String: String] = [:]) throws {
        for _ in 0..<flights {
            services.append((FlightsContext.name, try fleet.start(FlightsContext.definition(holdSweepInterval: .milliseconds(250)),
                                                                  settings: runtime)))
        }
        for _ in 0..<payments {
            services.append((PaymentsContext.name, try fleet.start(
                PaymentsContext.definition(gateway: try sandbox(sandboxSettings), settings: paymentSettings), settings: runtime)))
        }
        for _ in 0..<bookings {
            services.append((BookingsContext.name, try fleet.start(BookingsContext.definition(settings: bookingSettings),
                                                                   settings: runtime)))
        }
    }

    // MARK: Flights

    func day(_ offset: Int, hour: Int = 12) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar.date(byAdding: DateComponents(day: offset, hour: hour), to: calendar.startOfDay(for: Date()))!
    }

    @discardableResult
    func scheduleFlight(departure: Date? = nil, aircraft: String = "A320",
                        fares: [String: Int] = ["business": 200_000, "economy": 40_000]) throws -> ScheduleFlight {
        let departure = departure ?? day(10)
        let flight = ScheduleFlight(flightId: UUID(), number: "AF\(Int.random(in: 100...999))", origin: "CDG",
                                    destination: "JFK", departure: departure, arrival: departure.addingTimeInterval(8 * 3600),
                                    aircraftType: aircraft, fares: fares, currency: "EUR")
        try publish([flight])
        try fleet.eventually("the flight is scheduled") {
            try fleet.integer("SELECT count(*) FROM \(flights).flights WHERE flight_id = $1", flight.flightId) == 1
        }
        return flight
    }

    // MARK: Bookings

    func booking(_ flight: ScheduleFlight, passengers count: Int = 1, seats: [String]? = nil, cabin: Cabin = .economy,
                 token: String = "tok_visa", key: String? = nil, customer: UUID? = nil) -> CreateBooking {
        let passengers = (0..<count).map { index in
            PassengerDetails(firstName: "Ana\(index)", lastName: "Lima", dateOfBirth: "1984-03-07", seat: seats?[index])
        }
        return CreateBooking(bookingId: UUID(), customerId: customer ?? self.customer, flightId: flight.flightId,
                             cabin: cabin, passengers: passengers, contactEmail: "ana@example.com", paymentToken: token,
                             idempotencyKey: key)
    }

    func publish<C: Command>(_ commands: [C], replyTo: String? = nil) throws {
        let publisher = try fleet.publisher()
        defer { publisher.close() }
        let receipts = try publisher.publish(commands.map { try OutgoingMessage.make($0, source: "airfleet/tests", replyTo: replyTo) })
        XCTAssertTrue(receipts.allSatisfy { $0.outcome == .delivered }, "\(receipts)")
    }

    func state(_ bookingId: UUID) throws -> String? {
        try fleet.database().query("SELECT state FROM \(bookings).bookings WHERE booking_id = $1", bookingId)
            .first?.decode(String.self, at: 0)
    }

    /// Waits until every booking reached a state the saga leaves only by cancellation.
    func waitUntilSettled(_ ids: [UUID], timeout: Duration = .seconds(40)) throws {
        try fleet.eventually("\(ids.count) bookings are settled", timeout: timeout) {
            try fleet.integer(
                "SELECT count(*) FROM \(bookings).bookings WHERE booking_id = ANY($1::uuid[]) AND state IN ('confirmed', 'failed', 'expired', 'cancelled')",
                ids) == ids.count
        }
    }

    func view(_ bookingId: UUID) throws -> BookingView {
        let client = try QueryClient(amqp: fleet.configuration.amqp, source: "airfleet/tests", logger: fleet.logger)
        defer { client.close() }
        return try client.ask(GetBooking(bookingId: bookingId), timeout: .seconds(10)).booking
    }

    func paymentView(_ bookingId: UUID) throws -> PaymentView {
        let client = try QueryClient(amqp: fleet.configuration.amqp, source: "airfleet/tests", logger: fleet.logger)
        defer { client.close() }
        return try client.ask(GetPayment(bookingId: bookingId), timeout: .seconds(10)).payment
    }

    // MARK: What the provider saw

    func captures(of bookingId: UUID? = nil) throws -> Int {
        try fleet.integer("SELECT count(*) FROM \(payments).sandbox_charges WHERE outcome = 'captured' AND ($1::text IS NULL OR idempotency_key = $1)",
                          bookingId.map(PaymentStore.chargeKey))
    }

    func capturedAmount() throws -> Int {
        try fleet.integer("SELECT coalesce(sum(amount), 0) FROM \(payments).sandbox_charges WHERE outcome = 'captured'")
    }

    func refundedAmount() throws -> Int {
        try fleet.integer("SELECT coalesce(sum(amount), 0) FROM \(payments).sandbox_refunds")
    }

    func providerCalls(_ bookingId: UUID) throws -> Int {
        try fleet.integer("SELECT calls FROM \(payments).sandbox_calls WHERE idempotency_key = $1", PaymentStore.chargeKey(bookingId))
    }

    /// Seats of the flight held by unconfirmed holds, and sold.
    func seatCounts(_ flightId: UUID) throws -> (held: Int, sold: Int) {
        let rows = try fleet.database().query(
            """
            SELECT count(*) FILTER (WHERE NOT a.sold AND h.status = 'held'), count(*) FILTER (WHERE a.sold)
            FROM \(flights).seat_assignments a JOIN \(flights).holds h USING (hold_id) WHERE a.flight_id = $1
            """, flightId)
        return (try rows.first!.decode(Int.self, at: 0), try rows.first!.decode(Int.self, at: 1))
    }
}

/// The gateway of the definition that only declares the topology; it is never called.
struct UnusedGateway: PaymentGateway {
    func charge(_ request: ChargeRequest) throws(GatewayError) -> ChargeOutcome { throw .unavailable("unused") }
    func refund(_ request: RefundRequest) throws(GatewayError) -> RefundOutcome { throw .unavailable("unused") }
    func status(idempotencyKey: String) throws(GatewayError) -> ChargeOutcome? { nil }
}

