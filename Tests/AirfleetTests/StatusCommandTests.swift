import AMQP
import Fleet
import FleetTestSupport
import Flights
import Foundation
import TestServers
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
}
