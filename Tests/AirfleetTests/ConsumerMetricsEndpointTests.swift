import AMQP
import Fleet
import FleetTestSupport
import Flights
import Foundation
import TestServers
import XCTest

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A consumer process serves its Prometheus metrics on a port the system picks, and
/// `airfleet status --json` finds the URL through the broker.
final class ConsumerMetricsEndpointTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet(contexts: [FlightsContext.definition()]) }
    override func tearDown() { fleet?.tearDown() }

    func testAConsumerCountsWhatBecameOfItsMessagesAndStatusNamesWhereToReadIt() throws {
        let process = try AirfleetProcess(["consume", "flights"], environment: fleet.environment)
        defer { process.kill() }
        try fleet.eventually("the process consumes", timeout: .seconds(60)) { try fleet.queueState("airfleet.flights").consumerCount == 1 }

        // Two messages no retry can cure: each is dead-lettered at once.
        let connection = try AMQPConnection(fleet.configuration.amqp, logger: fleet.logger)
        defer { connection.close() }
        let channel = try connection.openChannel()
        try channel.enableConfirms()
        let broken = (0..<2).map { index in
            AMQPOutgoingMessage(exchange: "", routingKey: "airfleet.flights", body: Data("not json \(index)".utf8),
                                properties: AMQPProperties(messageId: "broken-\(index)", type: "flight.schedule.v1"), mandatory: true)
        }
        XCTAssertTrue(try channel.publishConfirmed(broken).allSatisfy { $0 == .confirmed })
        try fleet.eventually("both are dead letters", timeout: .seconds(30)) { try fleet.queueState("airfleet.flights.dlq").messageCount == 2 }

        var environment = fleet.environment
        environment["AIRFLEET_RABBITMQ_API"] = try TestServers.managementURL()
        var urls: [String] = []
        try fleet.eventually("status names the process's metrics URL", timeout: .seconds(30)) {
            let run = try Airfleet.run(["status", "--json", "--context", "flights"], input: "", fleet: fleet, environment: environment)
            let row = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]
            urls = row?["metrics"] as? [String] ?? []
            return !urls.isEmpty
        }
        XCTAssertEqual(urls.count, 1, "one process, one URL: \(urls)")
        let url = try XCTUnwrap(URL(string: urls[0]))
        XCTAssertTrue(urls[0].hasPrefix("http://127.0.0.1:") && urls[0].hasSuffix("/metrics"), urls[0])

        let exposition = try String(decoding: Data(contentsOf: url), as: UTF8.self)
        let labels = #"{context="flights",type="flight.schedule.v1"}"#
        XCTAssertTrue(exposition.contains("airfleet_messages_dead_lettered_total\(labels) 2"), exposition)
        XCTAssertTrue(exposition.contains(#"airfleet_messages_failed_total{context="flights",kind="malformed",type="flight.schedule.v1"} 2"#)
                      || exposition.contains(#"airfleet_messages_failed_total{context="flights",type="flight.schedule.v1",kind="malformed"} 2"#),
                      exposition)
        XCTAssertTrue(exposition.contains(#"airfleet_batch_messages_count{context="flights"}"#), exposition)
        XCTAssertTrue(exposition.contains("airfleet_batch_duration_seconds_bucket"), exposition)
        XCTAssertTrue(exposition.contains(#"airfleet_outbox_messages{context="flights"} 0"#), exposition)
        XCTAssertTrue(exposition.contains(#"airfleet_inbox_messages_estimate{context="flights"}"#), exposition)
    }
}
