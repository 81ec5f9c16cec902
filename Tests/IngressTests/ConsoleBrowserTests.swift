import FleetTestSupport
import Foundation
import XCTest

/// The console in a real browser: Tests/Browser/console_walkthrough.py drives headless Chromium
/// with Selenium (ops/test installs both) through sign-in, the live fleet page and the replay of
/// a poison message, a PNR search and a delay on the flight's page, and keeps a screenshot of each page under the test state folder.
final class ConsoleBrowserTests: ConsoleTestCase, @unchecked Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Browser/console_walkthrough.py")

    func testAnOperatorReplaysAPoisonMessageInTheBrowser() async throws {
        let environment = ProcessInfo.processInfo.environment
        if let reason = environment["AIRFLEET_TEST_BROWSER_UNAVAILABLE"], !reason.isEmpty {
            throw XCTSkip("no browser to drive: \(reason)")
        }
        guard let python = environment["AIRFLEET_TEST_SELENIUM_PYTHON"], !python.isEmpty else {
            XCTFail("AIRFLEET_TEST_SELENIUM_PYTHON is not set: this test needs the Python with Selenium that ops/test installs; run it through ops/test")
            return
        }
        let screenshots = URL(fileURLWithPath: environment["AIRFLEET_STATE_DIR"] ?? FileManager.default.temporaryDirectory.path)
            .appendingPathComponent("console-screenshots")
        let shared = try shared
        try await withConsole { client in
            _ = try shared.fleet.drain("airfleet.flights.dlq")
            let pnr = try await self.confirmedBooking(on: client)
            let agent = try await shared.makeUser(.agent, on: client.http)
            try self.publishPoison()
            try await self.waitForMessages(1, in: "airfleet.flights.dlq")

            let arguments = [Self.script.path, "http://127.0.0.1:\(client.port)", agent.email, agent.password, screenshots.path,
                             "flights", "flight.delay.v1", pnr]
            // Waited for on a Dispatch thread: the ingress it drives serves from this process's own pool.
            let run = try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: python)
                    process.arguments = arguments
                    continuation.resume(with: Result { try process.runCapturingOutput() })
                }
            }
            XCTAssertEqual(run.status, 0, "the walkthrough failed (screenshots in \(screenshots.path)):\n\(run.output)")
            for name in ["1-sign-in", "2-fleet", "3-dead-letters", "4-dead-letter", "5-replay-dry-run", "6-replayed", "7-booking",
                         "8-flight", "9-delayed-live"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: screenshots.appendingPathComponent("\(name).png").path), name)
            }
            // Replayed, still poison: back in the dead letters.
            try await self.waitForMessages(1, in: "airfleet.flights.dlq")
        }
    }
}
