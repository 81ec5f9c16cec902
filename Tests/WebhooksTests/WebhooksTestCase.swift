import AMQP
import Contracts
import Fleet
import FleetTestSupport
import Foundation
import HTTPDelivery
import Postgres
import TestServers
import Webhooks
import XCTest

/// A test fleet running the Webhooks context against a real broker and database, with real HTTP
/// receivers (Python's http.server) that check the Standard Webhooks signature. Commands and
/// events are published onto the exchanges as the ingress and the other contexts would.
class WebhooksTestCase: XCTestCase {
    var fleet: TestFleet!
    var receiver: WebhookReceiverProcess!
    var service: RunningService?

    override func setUpWithError() throws {
        receiver = try WebhookReceiverProcess()
        fleet = try TestFleet(contexts: [WebhooksContext.definition(settings: settings())])
    }

    override func tearDown() {
        service?.stop()
        fleet?.tearDown()
        receiver?.stop()
    }

    /// Short waits, so a test sees retries and give-ups within seconds.
    func settings() -> WebhooksContext.Settings {
        WebhooksContext.Settings(secretKey: WebhookSecretKey.generate(), allowPrivateAddresses: true,
                                 retryLadder: RetryLadder(delays: [.milliseconds(100), .milliseconds(200), .milliseconds(300)]),
                                 senders: 3, timeout: .seconds(2))
    }

    func startConsumer() throws {
        service = try fleet.start(WebhooksContext.definition(settings: settings()))
    }

    var schema: String { fleet.schema(WebhooksContext.name) }

    func client() throws -> QueryClient {
        try QueryClient(amqp: fleet.configuration.amqp, source: "airfleet/tests", logger: fleet.logger)
    }

    func send<C: Command>(_ command: C) throws {
        let publisher = try fleet.publisher()
        defer { publisher.close() }
        XCTAssertEqual(try publisher.publish(command).outcome, .delivered)
    }

    /// Publishes events; returns their envelope ids, which are their deliveries' webhook-ids.
    @discardableResult
    func publish<E: Event>(_ events: E...) throws -> [String] {
        let publisher = try fleet.publisher()
        defer { publisher.close() }
        return try events.map { event in
            let receipt = try publisher.publish(event)
            XCTAssertEqual(receipt.outcome, .delivered)
            return receipt.id
        }
    }

    /// Registers an endpoint at the receiver's `path`, trusts its secret, and waits until the
    /// broker brings the events it wants.
    @discardableResult
    func register(_ path: String, events: [String], id: UUID = UUID()) throws -> (id: UUID, secret: String) {
        try send(RegisterWebhook(webhookId: id, url: receiver.url(path), events: events))
        try fleet.eventually("the endpoint is registered") {
            try fleet.integer("SELECT count(*) FROM \(schema).webhook_endpoints WHERE webhook_id = $1", id) == 1
        }
        let secret = try client().ask(RevealWebhookSecret(webhookId: id)).secret
        try receiver.trust(secret)
        try waitForBindings(containing: events.map { try EventPattern($0).bindingKey })
        return (id, secret)
    }

    func waitForBindings(containing keys: [String]) throws {
        try fleet.eventually("the queue is bound to \(keys)") {
            let bound = try fleet.database().query("SELECT binding_key FROM \(schema).webhook_bindings").map { try $0.decode(String.self, at: 0) }
            return Set(keys).isSubset(of: Set(bound))
        }
    }

    func flight() -> FlightSnapshot {
        let departure = Date().addingTimeInterval(86_400).roundedToSeconds
        return FlightSnapshot(flightId: UUID(), number: "AF1234", origin: "CDG", destination: "JFK", departure: departure,
                              arrival: departure.addingTimeInterval(30_600), aircraftType: "A320", status: "scheduled",
                              gate: "K40", fares: ["economy": 40_000], currency: "EUR")
    }

    func confirmed(pnr: String = "K7QZ2M") -> BookingConfirmed {
        BookingConfirmed(
            bookingId: UUID(), customerId: UUID(), flightId: UUID(), pnr: pnr, cabin: .economy,
            passengers: [BookedPassenger(firstName: "Jean", lastName: "Dupont", dateOfBirth: "1988-09-12",
                                         seat: "14C", ticketNumber: "9991234567901")],
            total: 80_000, currency: "EUR", contactEmail: "jean@example.com", confirmedAt: Date())
    }

    func deliveryState(_ webhookId: UUID, _ messageId: String) throws -> (state: String, attempts: Int, error: String?)? {
        try fleet.database().query(
            "SELECT state, attempts, last_error FROM \(schema).webhook_deliveries WHERE webhook_id = $1 AND message_id = $2",
            webhookId, messageId
        ).first.map { (try $0.decode(String.self, column: "state"), try $0.decode(Int.self, column: "attempts"),
                       try $0.decode(String?.self, column: "last_error")) }
    }

    func deadLetters(count: Int) throws -> [AMQPDelivery] {
        let queue = Topology.deadLetterQueue(of: WebhooksContext.name)
        try fleet.eventually("\(count) dead letter(s)") { try fleet.queueState(queue).messageCount >= count }
        return try fleet.drain(queue)
    }

    /// Lets a few sender rounds pass, for checks that something did NOT happen.
    func settle() { Thread.sleep(forTimeInterval: 1.0) }
}

extension Date {
    var roundedToSeconds: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded()) }
}
