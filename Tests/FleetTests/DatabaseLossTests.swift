import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// The database drops a consumer's connections (a restart, a failover) while messages flow.
final class DatabaseLossTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet() }
    override func tearDown() { fleet?.tearDown() }

    func testTheConsumerReconnectsToTheDatabaseAndHandlesEachMessageOnce() throws {
        let records = "\(fleet.schema("probe")).records"
        let process = try fleet.startProcess("probe")
        try fleet.eventually("the process consumes", timeout: .seconds(30)) { try fleet.queueState("airfleet.probe").consumerCount == 1 }
        let keys = (0..<1500).map { "db-loss-\($0)" }
        let publisher = try fleet.publisher()
        defer { publisher.close() }
        for start in stride(from: 0, to: keys.count, by: 500) {
            _ = try publisher.publish(keys[start..<start + 500].map {
                try OutgoingMessage.make(ProbeSlow(key: $0, milliseconds: 2), source: "t")
            })
        }
        try fleet.eventually("work is under way") { try fleet.integer("SELECT count(*) FROM \(records)") > 100 }

        // Every session of the probe process, as a database restart would end them.
        let terminated = try fleet.integer(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'airfleet-probe') ended")
        XCTAssertGreaterThan(terminated, 0)
        XCTAssertLessThan(try fleet.integer("SELECT count(*) FROM \(records)"), keys.count, "the loss came mid-stream")

        try fleet.eventually("everything is handled", timeout: .seconds(60)) {
            try fleet.integer("SELECT count(DISTINCT key) FROM \(records)") == keys.count
        }
        try fleet.eventually("the queue is empty") { try fleet.totalMessages("airfleet.probe") == 0 }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(records)"), keys.count, "nothing twice")
        XCTAssertTrue(process.isRunning, "the same process went on:\n\(process.output)")
    }
}
