import AMQP
import Fleet
import FleetTestSupport
import Flights
import Foundation
import TestServers
import Webhooks
import Contracts
import XCTest

/// `airfleet status` against a fleet whose queues hold known messages.
final class StatusCommandTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet(contexts: [FlightsContext.definition()]) }
    override func tearDown() { fleet?.tearDown() }

    func testTheFiguresAgreeWithTheBroker() throws {
        let connection = try AMQPConnection(fleet.configuration.amqp, logger: fleet.logger)
        defer { connection.close() }
        let channel = try connection.openChannel()
        try channel.enableConfirms()
        let tenMinutesAgo = FleetJSON.formatTimestamp(Date().addingTimeInterval(-600))
        var messages = (0..<3).map { index in
            AMQPOutgoingMessage(exchange: "", routingKey: "airfleet.flights", body: Data("waiting \(index)".utf8),
                                properties: AMQPProperties(messageId: "w\(index)"), mandatory: true)
        }
        messages += (0..<2).map { index in
            AMQPOutgoingMessage(exchange: "", routingKey: "airfleet.flights.dlq", body: Data("dead \(index)".utf8),
                                properties: AMQPProperties(headers: [FailureHeaders.failedAt: .string(tenMinutesAgo)], messageId: "d\(index)"),
                                mandatory: true)
        }
        XCTAssertTrue(try channel.publishConfirmed(messages).allSatisfy { $0 == .confirmed })

        // The management API's figures lag by its statistics interval; wait until it sees them.
        let api = try ManagementAPI(baseURL: try TestServers.managementURL())
        var broker: [String: Any] = [:]
        try fleet.eventually("the management API counts the messages", timeout: .seconds(30)) {
            broker = try api.json("/api/queues/\(fleet.virtualHost)/airfleet.flights") as? [String: Any] ?? [:]
            return broker["messages_ready"] as? Int == 3
        }
        var environment = fleet.environment
        environment["AIRFLEET_RABBITMQ_API"] = try TestServers.managementURL()
        let run = try Airfleet.run(["status", "--json", "--context", "flights"], input: "", fleet: fleet, environment: environment)
        XCTAssertEqual(run.status, 0, run.errors)
        let row = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any], run.output)

        XCTAssertEqual(row["ready"] as? Int, 3)
        XCTAssertEqual(row["ready"] as? Int, broker["messages_ready"] as? Int)
        XCTAssertEqual(row["unacknowledged"] as? Int, broker["messages_unacknowledged"] as? Int)
        XCTAssertEqual(row["consumers"] as? Int, 0)
        XCTAssertEqual(row["retrying"] as? Int, 0)
        XCTAssertEqual(row["dead"] as? Int, 2)
        let age = try XCTUnwrap(row["oldestDeadSeconds"] as? Int)
        XCTAssertTrue((595...700).contains(age), "oldest dead letter failed ten minutes ago, not \(age) s")
        XCTAssertEqual(try fleet.queueState("airfleet.flights.dlq").messageCount, 2, "peeking puts the dead letter back")
    }

    func testAnEndpointDisabledForFailingIsShownWithItsLastError() throws {
        fleet.tearDown()
        fleet = try TestFleet(contexts: [WebhooksContext.definition(settings: WebhooksContext.Settings(secretKey: WebhookSecretKey.generate()))])
        _ = try fleet.start(WebhooksContext.definition(settings: WebhooksContext.Settings(secretKey: WebhookSecretKey.generate())))
        let id = UUID()
        let publisher = try fleet.publisher()
        defer { publisher.close() }
        _ = try publisher.publish(RegisterWebhook(webhookId: id, url: "https://backoffice.example.com/events", events: ["booking.*"]))
        let table = "\(fleet.schema(WebhooksContext.name)).webhook_endpoints"
        try fleet.eventually("the endpoint is registered") { try fleet.integer("SELECT count(*) FROM \(table)") == 1 }
        _ = try fleet.database().execute(
            """
            UPDATE \(table) SET state = 'disabled', failing_since = now() - interval '25 hours', disabled_at = now(),
                last_error = 'the endpoint answered 503: down for maintenance'
            """)

        let text = try Airfleet.run(["status", "--context", WebhooksContext.name], input: "", fleet: fleet)
        XCTAssertEqual(text.status, 0, text.errors)
        XCTAssertTrue(text.output.contains("webhook endpoints: 1, 1 disabled, 0 failing"), text.output)
        XCTAssertTrue(text.output.contains(id.lowercasedString), text.output)
        XCTAssertTrue(text.output.contains("last error: the endpoint answered 503"), text.output)

        let json = try Airfleet.run(["status", "--json", "--context", WebhooksContext.name], input: "", fleet: fleet)
        let row = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any], json.output)
        let endpoints = try XCTUnwrap(row["webhookEndpoints"] as? [String: Any])
        XCTAssertEqual(endpoints["total"] as? Int, 1)
        XCTAssertEqual((endpoints["troubled"] as? [[String: Any]])?.first?["state"] as? String, "disabled")
    }
}
