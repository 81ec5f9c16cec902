import AMQP
import Contracts
import Fleet
import FleetTestSupport
import Foundation
import Notifications
import Postgres
import SMTP
import XCTest

/// A test fleet running the Notifications context against a real broker, database and an SMTP
/// sink of the test's own; events are published straight onto the events exchange, as the
/// bookings, flights and customers contexts would.
class NotificationsTestCase: XCTestCase {
    var fleet: TestFleet!
    var sink: SMTPSinkProcess!
    var service: RunningService?

    /// Whether setUp starts the sink (a test of an SMTP outage starts it later).
    var sinkStartsUp: Bool { true }
    /// How long an email may stay `sending` before it is sent again; nil for the default.
    var resendAfter: Duration? { nil }

    override func setUpWithError() throws {
        sink = try SMTPSinkProcess()
        if sinkStartsUp { try sink.start() }
        fleet = try TestFleet(contexts: [try definition()])
    }

    override func tearDown() {
        service?.stop()
        fleet?.tearDown()
        sink?.remove()
    }

    func definition() throws -> ContextDefinition {
        try NotificationsContext.definition(settings: settings())
    }

    func settings() throws -> NotificationsContext.Settings {
        var smtp = try SMTPSettings.parsing(url: sink.url)
        smtp.connectTimeout = .seconds(2)
        smtp.totalTimeout = .seconds(5)
        return NotificationsContext.Settings(smtp: smtp, reminderSweepInterval: .milliseconds(100), resendAfter: resendAfter)
    }

    func startConsumer() throws {
        service = try fleet.start(try definition())
    }

    var schema: String { fleet.schema("notifications") }

    // MARK: Events

    func publish<E: Event>(_ events: E...) throws {
        try publish(events)
    }

    func publish<E: Event>(_ events: [E]) throws {
        let publisher = try fleet.publisher()
        defer { publisher.close() }
        for event in events {
            let receipt = try publisher.publish(event)
            XCTAssertEqual(receipt.outcome, .delivered, "\(receipt)")
        }
    }

    func hours(_ value: Double) -> TimeInterval { value * 3600 }

    func flight(departingIn interval: TimeInterval, number: String = "AF1234", gate: String? = "K40") -> FlightSnapshot {
        let departure = Date().addingTimeInterval(interval).roundedToSeconds
        return FlightSnapshot(flightId: UUID(), number: number, origin: "CDG", destination: "JFK", departure: departure,
                              arrival: departure.addingTimeInterval(hours(8.5)), aircraftType: "A320", status: "scheduled",
                              gate: gate, fares: ["economy": 40_000], currency: "EUR")
    }

    func confirmed(_ flight: FlightSnapshot, email: String, passengers: [BookedPassenger]? = nil, pnr: String = "K7QZ2M") -> BookingConfirmed {
        BookingConfirmed(
            bookingId: UUID(), customerId: UUID(), flightId: flight.flightId, pnr: pnr, cabin: .economy,
            passengers: passengers ?? [BookedPassenger(firstName: "Jean", lastName: "Dupont", dateOfBirth: "1988-09-12",
                                                       seat: "14C", ticketNumber: "9991234567901")],
            total: 80_000, currency: "EUR", contactEmail: email, confirmedAt: Date())
    }

    func delayed(_ flight: FlightSnapshot, by interval: TimeInterval) -> FlightDelayed {
        FlightDelayed(flightId: flight.flightId, number: flight.number, origin: flight.origin, destination: flight.destination,
                      previousDeparture: flight.departure, previousArrival: flight.arrival,
                      departure: flight.departure.addingTimeInterval(interval), arrival: flight.arrival.addingTimeInterval(interval),
                      gate: flight.gate, reason: "late inbound aircraft")
    }

    // MARK: Outcomes

    /// Waits until the sink holds `count` messages that pass `filter`, then returns them.
    @discardableResult
    func waitForMail(_ count: Int, _ what: String, timeout: Duration = .seconds(20),
                     where filter: (ReceivedMail) -> Bool = { _ in true }) throws -> [ReceivedMail] {
        var found: [ReceivedMail] = []
        try fleet.eventually("\(count) \(what) arrived", timeout: timeout) {
            found = try sink.messages().filter(filter)
            return found.count >= count
        }
        return found
    }

    /// Lets a few reminder sweeps and deliveries pass, for checks that something did NOT happen.
    func settle() { Thread.sleep(forTimeInterval: 1.0) }

    /// Moves the notifications clock so that it reads `date` now.
    func setClock(to date: Date) throws {
        let offset = Int64((date.timeIntervalSinceNow * 1000).rounded())
        _ = try fleet.database().execute("UPDATE \(schema).clock SET offset_ms = $1", offset)
    }

    func deadLetters() throws -> [AMQPDelivery] {
        try fleet.drain(Topology.deadLetterQueue(of: NotificationsContext.name))
    }

    func bookingKey(_ booking: BookingConfirmed) -> String {
        "booking:\(booking.bookingId.lowercasedString):booking-confirmed:1"
    }

    func ledgerState(_ key: String) throws -> String? {
        try fleet.database().query("SELECT state FROM \(schema).deliveries WHERE delivery_key = $1", key).first?.decode(String.self, at: 0)
    }
}

extension Date {
    /// Whole seconds, as the events carry them through JSON and PostgreSQL.
    var roundedToSeconds: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded()) }
}
