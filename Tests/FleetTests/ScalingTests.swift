import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// Changing a context's process count while messages flow, as ops/scale does under
/// supervisord: new processes join as competing consumers, and stopped ones drain on SIGTERM.
final class ScalingTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet() }
    override func tearDown() { fleet?.tearDown() }

    private var records: String { "\(fleet.schema("probe")).records" }

    private func consumers() throws -> Int { try fleet.queueState("airfleet.probe").consumerCount }

    func testScalingFromOneToFourProcessesAndBackLosesNothingAndDoublesNothing() throws {
        // Equal priorities, so that the broker takes turns and every process has work in hand when stopped.
        let first = try fleet.startProcess("probe", settings: ["AIRFLEET_CONSUMER_PRIORITY": "1"])
        try fleet.eventually("one process consumes", timeout: .seconds(30)) { try consumers() == 1 }

        // About 300 messages a second for five seconds, each a few milliseconds of work, so
        // every process has work in hand when it is stopped.
        let keys = (0..<1500).map { "s\($0)" }
        let published = DispatchSemaphore(value: 0)
        let failure = Failure()
        let (amqp, topology, logger) = (fleet.configuration.amqp, fleet.topology, fleet.logger)
        Thread {
            defer { published.signal() }
            do {
                let publisher = try Publisher(amqp: amqp, topology: topology, source: "airfleet/tests", logger: logger)
                defer { publisher.close() }
                for start in stride(from: 0, to: keys.count, by: 30) {
                    _ = try publisher.publish(keys[start..<min(start + 30, keys.count)].map {
                        try OutgoingMessage.make(ProbeSlow(key: $0, milliseconds: 3), source: "t")
                    })
                    Thread.sleep(forTimeInterval: 0.1)
                }
            } catch {
                failure.error = error
            }
        }.start()

        Thread.sleep(forTimeInterval: 1)
        let added = try (0..<3).map { _ in try fleet.startProcess("probe", settings: ["AIRFLEET_LOG_LEVEL": "info", "AIRFLEET_CONSUMER_PRIORITY": "1"]) }
        try fleet.eventually("four processes consume", timeout: .seconds(30)) { try consumers() == 4 }
        try fleet.eventually("the new processes take a share", timeout: .seconds(30)) {
            try fleet.integer("SELECT count(DISTINCT pid) FROM \(records)") >= 3
        }
        for process in added { process.terminate() }
        for process in added {
            let exit = try XCTUnwrap(process.waitForExit(timeout: .seconds(40)), "a stopped process should drain and exit:\n\(process.output)")
            XCTAssertEqual(exit.status, 0, "drained cleanly:\n\(process.output)")
            XCTAssertTrue(process.output.contains("drained"), process.output)
        }
        try fleet.eventually("one process is left") { try consumers() == 1 }

        XCTAssertEqual(published.wait(timeout: .now() + 30), .success)
        if let error = failure.error { throw error }
        try fleet.eventually("every message is handled", timeout: .seconds(60)) {
            try fleet.integer("SELECT count(DISTINCT key) FROM \(records)") == keys.count
        }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(records)"), keys.count, "none handled twice")
        XCTAssertTrue(first.isRunning, first.output)
        XCTAssertEqual(try fleet.queueState("airfleet.probe.dlq").messageCount, 0)
    }
}

/// Carries an error from the publishing thread to the test.
private final class Failure: @unchecked Sendable {
    // Written by the publishing thread before it signals, read by the test after the wait.
    var error: (any Error)?
}
