import Contracts
import Fleet
import FleetTestSupport
import Foundation
import Notifications
import XCTest

/// `airfleet notifications preview` and `airfleet consume notifications`, run as processes.
final class NotificationsCommandTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet(contexts: [try NotificationsContext.definition()]) }
    override func tearDown() { fleet?.tearDown() }

    func testPreviewRendersEveryKindAndNamesTheKnownOnesForAnUnknownKind() throws {
        for kind in NotificationKind.allCases {
            let run = try Airfleet.run(["notifications", "preview", kind.rawValue], input: "", fleet: fleet)
            XCTAssertEqual(run.status, 0, "\(kind): \(run.errors)")
            XCTAssertTrue(run.output.hasPrefix("Subject: "), run.output)
            XCTAssertTrue(run.output.contains("Hello Zoë Ångström,"), run.output)
            XCTAssertTrue(run.output.contains("</html>"), run.output)
        }
        let mime = try Airfleet.run(["notifications", "preview", "booking-confirmed", "--part", "mime"], input: "", fleet: fleet)
        XCTAssertEqual(mime.status, 0, mime.errors)
        XCTAssertTrue(mime.output.contains("Message-ID: <booking-confirmed.1.preview@airfleet.local>\r\n"), mime.output)
        XCTAssertTrue(mime.output.contains("Subject: =?UTF-8?B?"), "the en dash in the subject is encoded: \(mime.output)")
        let unknown = try Airfleet.run(["notifications", "preview", "postcard"], input: "", fleet: fleet)
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.errors.contains("unknown kind 'postcard'; known: booking-confirmed"), unknown.errors)
    }

    /// Through the shared test SMTP sink (AIRFLEET_TEST_SMTP_URL), to an address of this test's own.
    func testConsumeNotificationsMailsAConfirmationAndDrainsOnSIGTERM() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let smtp = environment["AIRFLEET_TEST_SMTP_URL"], let mailDirectory = environment["AIRFLEET_TEST_MAIL_DIR"] else {
            throw XCTSkip("AIRFLEET_TEST_SMTP_URL and AIRFLEET_TEST_MAIL_DIR name the test SMTP sink (ops/test sets them)")
        }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("airfleet-notifications-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if folder.pathExtension == "xctest" { folder.deleteLastPathComponent() }
        let process = Process()
        process.executableURL = folder.appendingPathComponent("airfleet")
        process.arguments = ["consume", "notifications"]
        process.environment = environment.merging(fleet.environment) { $1 }.merging(["AIRFLEET_SMTP_URL": smtp]) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = process.standardOutput
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        let departure = Date().addingTimeInterval(10 * 86400).rounded
        let flight = FlightSnapshot(flightId: UUID(), number: "AF77", origin: "LHR", destination: "CDG", departure: departure,
                                    arrival: departure.addingTimeInterval(4800), aircraftType: "A320", status: "scheduled",
                                    gate: nil, fares: ["economy": 10_000], currency: "GBP")
        let address = "cli-\(UUID().lowercasedString)@example.com"
        let publisher = try fleet.publisher()
        defer { publisher.close() }
        _ = try publisher.publish(FlightScheduled(flight: flight))
        _ = try publisher.publish(BookingConfirmed(
            bookingId: UUID(), customerId: UUID(), flightId: flight.flightId, pnr: "CLI777", cabin: .economy,
            passengers: [BookedPassenger(firstName: "Zoë", lastName: "Ångström", dateOfBirth: "1990-04-01", seat: "3C")],
            total: 10_000, currency: "GBP", contactEmail: address, confirmedAt: Date()))

        var found: [String] = []
        do {
            try fleet.eventually("the confirmation reaches the shared sink", timeout: .seconds(30)) {
                found = try FileManager.default.contentsOfDirectory(atPath: mailDirectory).filter { $0.hasSuffix(".eml") }
                    .map { try String(contentsOfFile: "\(mailDirectory)/\($0)", encoding: .utf8) }
                    .filter { $0.contains("X-RcptTo: \(address)") }
                return !found.isEmpty
            }
        } catch {
            XCTFail("\(error)\n\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            return
        }
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found[0].contains("X-Airfleet-Kind: booking-confirmed"), found[0])
        XCTAssertTrue(found[0].contains("Booking reference (PNR): CLI777"), found[0])
        XCTAssertTrue(found[0].contains("Europe/London"), found[0])

        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}

private extension Date {
    var rounded: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded()) }
}
