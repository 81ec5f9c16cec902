import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// ops/scale against a supervisord of the test's own (fleet-testbed processes of the probe
/// context, in a state folder of its own): up to four processes and back to one while messages
/// flow, nothing lost, nothing handled twice, the first process never restarted.
final class OpsScaleTests: XCTestCase {
    var fleet: TestFleet!
    var state: URL!
    var environment: [String: String] = [:]

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/supervisord") else {
            throw XCTSkip("supervisord is not installed (ops/bootstrap installs it)")
        }
        fleet = try TestFleet()
        state = FileManager.default.temporaryDirectory.appendingPathComponent("airfleet-scale-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let plan = state.appendingPathComponent("fleet.conf")
        try "probe=1\n".write(to: plan, atomically: true, encoding: .utf8)
        environment = fleet.environment.merging([
            "AIRFLEET_STATE_DIR": state.path, "AIRFLEET_FLEET_CONF": plan.path,
            "AIRFLEET_DRAIN_TIMEOUT": "10s", "AIRFLEET_LOG_LEVEL": "info",
            // Equal priorities, so that the broker takes turns and the removed processes have work in hand.
            "AIRFLEET_CONSUMER_PRIORITY": "1",
            // Clear of the metrics ports of an ops/up fleet that may run beside the tests.
            "AIRFLEET_METRICS_BASE_PORT": "10900",
        ]) { $1 }
    }

    override func tearDown() {
        if state != nil {
            _ = try? ops("source ops/lib/common.sh; source ops/lib/fleet.sh; fleet_stop \"$AIRFLEET_STATE_DIR\"")
            try? FileManager.default.removeItem(at: state)
        }
        fleet?.tearDown()
    }

    /// Runs a bash script in the repository with the test's settings; returns its output.
    @discardableResult
    private func ops(_ script: String) throws -> String {
        let run = try OpsScript.run(script, environment: environment)
        guard run.status == 0 else { throw FleetError("`\(script)` exited \(run.status):\n\(run.output)") }
        return run.output
    }

    private var records: String { "\(fleet.schema("probe")).records" }
    private func consumers() throws -> Int { try fleet.queueState("airfleet.probe").consumerCount }

    func testScalingUpAndDownUnderSupervisordLosesNothingAndDoublesNothing() throws {
        let testbed = try TestbedProcess.executable().path
        try ops("source ops/lib/common.sh; source ops/lib/fleet.sh; fleet_start \"$AIRFLEET_STATE_DIR\" '\(testbed)'")
        try fleet.eventually("one process consumes", timeout: .seconds(30)) { try consumers() == 1 }
        let firstPid = try ops("supervisorctl -c \"$AIRFLEET_STATE_DIR/supervisor/supervisord.conf\" pid probe-1")

        let keys = (0..<1200).map { "o\($0)" }
        let (amqp, topology, logger) = (fleet.configuration.amqp, fleet.topology, fleet.logger)
        let published = DispatchSemaphore(value: 0)
        Thread {
            defer { published.signal() }
            guard let publisher = try? Publisher(amqp: amqp, topology: topology, source: "airfleet/tests", logger: logger) else { return }
            defer { publisher.close() }
            for start in stride(from: 0, to: keys.count, by: 30) {
                _ = try? publisher.publish(keys[start..<min(start + 30, keys.count)].map {
                    try OutgoingMessage.make(ProbeSlow(key: $0, milliseconds: 3), source: "t")
                })
                Thread.sleep(forTimeInterval: 0.1)
            }
        }.start()

        Thread.sleep(forTimeInterval: 0.5)
        let up = try ops("ops/scale probe 4")
        XCTAssertTrue(up.contains("probe-4") && up.contains("RUNNING"), up)
        try fleet.eventually("four processes consume", timeout: .seconds(30)) { try consumers() == 4 }
        try fleet.eventually("the new processes take a share", timeout: .seconds(30)) {
            try fleet.integer("SELECT count(DISTINCT pid) FROM \(records)") >= 3
        }
        let down = try ops("ops/scale probe 1")
        XCTAssertFalse(down.contains("probe-2"), down)
        XCTAssertEqual(try consumers(), 1, "ops/scale returns once the removed processes are gone")
        let log = try String(contentsOf: state.appendingPathComponent("logs/probe-4.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("drained"), "a removed process drains:\n\(log)")

        XCTAssertEqual(published.wait(timeout: .now() + 30), .success)
        try fleet.eventually("every message is handled", timeout: .seconds(60)) {
            try fleet.integer("SELECT count(DISTINCT key) FROM \(records)") == keys.count
        }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(records)"), keys.count, "none handled twice")
        XCTAssertEqual(try ops("supervisorctl -c \"$AIRFLEET_STATE_DIR/supervisor/supervisord.conf\" pid probe-1"), firstPid,
                       "the process that stays is never restarted")
    }
}
