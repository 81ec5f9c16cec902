import Fleet
import FleetTestSupport
import Foundation
import TestServers
import XCTest

/// The broker goes away under a running consumer and comes back.
final class BrokerRestartTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet() }
    override func tearDown() {
        fleet?.tearDown()
        TestServers.healBrokerAfterRestartTest()
    }

    func testTheConsumerReconnectsByItselfAndLosesNothing() throws {
        let records = "\(fleet.schema("probe")).records"
        let process = try fleet.startProcess("probe")
        try fleet.eventually("the process consumes", timeout: .seconds(30)) { try fleet.queueState("airfleet.probe").consumerCount == 1 }
        let before = (0..<300).map { "before-\($0)" }
        _ = try fleet.publisher().publish(before.map { try OutgoingMessage.make(ProbeRecord(key: $0), source: "t") })

        try TestServers.restartBroker()

        // Publish again once the broker takes connections; the same process must pick these up.
        let after = (0..<300).map { "after-\($0)" }
        try fleet.eventually("the broker is back", timeout: .seconds(60)) {
            guard let publisher = try? fleet.publisher() else { return false }
            defer { publisher.close() }
            _ = try publisher.publish(after.map { try OutgoingMessage.make(ProbeRecord(key: $0), source: "t") })
            return true
        }
        try fleet.eventually("everything is handled", timeout: .seconds(60)) {
            try fleet.integer("SELECT count(DISTINCT key) FROM \(records)") == before.count + after.count
        }
        try fleet.eventually("the queue is empty") { try fleet.totalMessages("airfleet.probe") == 0 }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(records)"), before.count + after.count, "nothing twice")
        XCTAssertTrue(process.isRunning, "the same process went on:\n\(process.output)")
        XCTAssertTrue(process.output.contains("reconnecting"), "it noticed the broker leave")
    }
}
