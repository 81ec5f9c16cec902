import Fleet
import FleetTestSupport
import Flights
import Foundation
import TestServers
import XCTest

/// `airfleet topology show` against a fleet's broker.
final class TopologyShowTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet(contexts: [FlightsContext.definition()]) }
    override func tearDown() { fleet?.tearDown() }

    func testWithTheManagementAPIEachQueueShowsWhereItLives() throws {
        var environment = fleet.environment
        environment["AIRFLEET_RABBITMQ_API"] = try TestServers.managementURL()
        let run = try Airfleet.run(["topology", "show"], input: "", fleet: fleet, environment: environment)
        XCTAssertEqual(run.status, 0, run.errors)
        let lines = run.output.split(separator: "\n").map(String.init)
        func placement(of queue: String) -> String? {
            guard let index = lines.firstIndex(where: { $0.hasPrefix("  \(queue) ") }), index + 1 < lines.count else { return nil }
            return lines[index + 1].trimmingCharacters(in: .whitespaces)
        }
        let quorum = try XCTUnwrap(placement(of: "airfleet.flights"), run.output)
        XCTAssertTrue(quorum.hasPrefix("leader rabbit") || quorum.hasPrefix("leader airfleet"), quorum)
        XCTAssertTrue(quorum.contains("; members "), quorum)
        XCTAssertFalse(quorum.contains("(down)"), quorum)
        let classic = try XCTUnwrap(placement(of: "airfleet.flights.queries"), run.output)
        XCTAssertTrue(classic.hasPrefix("on "), classic)

        let plain = try Airfleet.run(["topology", "show"], input: "", fleet: fleet, environment: fleet.environment)
        XCTAssertFalse(plain.output.contains("leader "), "without the management API, no placement: \(plain.output)")
    }
}
