@testable import airfleet
import Contracts
import Fleet
import FleetTestSupport
import Flights
import Foundation
import XCTest

/// `airfleet publish`, run as a process, as an operator would.
final class PublishCommandTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet(contexts: [FlightsContext.definition()]) }
    override func tearDown() { fleet?.tearDown() }

    private func schedule(_ flightId: String, aircraft: String = "A320", departure: String? = "2031-05-01T10:00:00Z") -> String {
        let departureField = departure.map { #""departure":"\#($0)","# } ?? ""
        return #"{"flightId":"\#(flightId)","number":"AF22",\#(departureField)"arrival":"2031-05-01T17:00:00Z","origin":"CDG","destination":"JFK","aircraftType":"\#(aircraft)","fares":{"economy":30000,"business":250000},"currency":"EUR"}"#
    }

    func testAValidCommandReachesItsContextAndItsOutcomeIsPrinted() throws {
        _ = try fleet.start(FlightsContext.definition())
        let flightId = UUID().lowercasedString
        let run = try Airfleet.run(["publish", "flight.schedule.v1", "--wait", "15"], input: schedule(flightId), fleet: fleet)
        XCTAssertEqual(run.status, 0, run.errors)
        let lines = run.output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, run.output)
        let outcome = try FleetJSON.decoder().decode(EnvelopeHeader.self, from: Data(lines[1].utf8))
        XCTAssertEqual(outcome.type, "flight.scheduled.v1")
        XCTAssertEqual(outcome.causationid, lines[0])
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(fleet.schema("flights")).flights WHERE flight_id = $1::uuid", flightId), 1)
    }

    func testAnInvalidCommandNamesTheFieldAndPublishesNothing() throws {
        let run = try Airfleet.run(["publish", "flight.schedule.v1"], input: schedule(UUID().uuidString, departure: nil), fleet: fleet)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.errors.contains("flight.schedule.v1 not published: data.departure is required"), run.errors)
        XCTAssertEqual(run.output, "")
        XCTAssertEqual(try fleet.queueState("airfleet.flights").messageCount, 0)
    }

    func testAWrongValueIsSaidInPlainWords() throws {
        let body = #"{"flightId":"not-a-uuid","departure":"2031-05-01T12:00:00Z","arrival":"2031-05-01T19:00:00Z"}"#
        let run = try Airfleet.run(["publish", "flight.delay.v1"], input: body, fleet: fleet)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.errors.contains(#"flight.delay.v1 not published: data.flightId must be a UUID, got "not-a-uuid""#), run.errors)
        XCTAssertFalse(run.errors.contains("Attempted"), run.errors)
    }

    /// With nothing consuming the context's queue, --wait says so, and how many messages were ahead.
    func testWaitingWithoutAnOutcomeSaysWhatIsAheadAndWhoConsumes() throws {
        let publisher = try fleet.publisher()
        for _ in 0..<3 {
            _ = try publisher.publish([try OutgoingMessage.make(
                ChangeGate(flightId: UUID(), gate: "B2"), source: "airfleet/tests")])
        }
        publisher.close()
        let body = #"{"flightId":"\#(UUID().uuidString)","gate":"C3"}"#
        let run = try Airfleet.run(["publish", "flight.change-gate.v1", "--wait", "1"], input: body, fleet: fleet)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.errors.contains("was delivered to airfleet.flights"), run.errors)
        XCTAssertTrue(run.errors.contains("which has no consumer: no process of the flights context is running"), run.errors)
        XCTAssertFalse(run.errors.contains("is a process of its context running?"), run.errors)
    }

    func testAWaitReportCountsTheMessagesAheadAndTheConsumers() {
        let behind = WaitReport(queue: "airfleet.flights", context: "flights", ahead: 1200, waiting: 800, consumers: 2)
        XCTAssertEqual(behind.explain(id: "m1", waited: 5),
                       "no outcome within 5 s; the message was delivered to airfleet.flights (id m1) behind 1200 messages; "
                           + "the queue has 2 consumers and 800 messages waiting now: the command is still in line; "
                           + "wait longer (--wait), or see airfleet status")
        let idle = WaitReport(queue: "airfleet.flights", context: "flights", ahead: 0, waiting: 0, consumers: 1)
        XCTAssertTrue(idle.explain(id: "m1", waited: 5).contains("which has 1 consumer and no messages waiting"))
    }

    func testACommandItsContextRefusesIsReportedWithTheReason() throws {
        _ = try fleet.start(FlightsContext.definition())
        let run = try Airfleet.run(["publish", "flight.schedule.v1", "--wait", "15"],
                                   input: schedule(UUID().uuidString, aircraft: "B777-300ER"), fleet: fleet)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.errors.contains("dead-lettered (rejected): fares.first"), run.errors)
    }

    func testAnUnknownTypeIsRefusedWithTheKnownOnes() throws {
        let run = try Airfleet.run(["publish", "flight.scedule.v1"], input: "{}", fleet: fleet)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.errors.contains("unknown message type 'flight.scedule.v1'; known: flight.board.v1, flight.cancel.v1"), run.errors)
    }
}

/// The airfleet binary beside the test bundle, run with a test fleet's settings.
enum Airfleet {
    struct Run {
        let status: Int32
        let output: String
        let errors: String
    }

    static func run(_ arguments: [String], input: String, fleet: TestFleet, environment: [String: String]? = nil) throws -> Run {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if folder.pathExtension == "xctest" { folder.deleteLastPathComponent() }
        let process = Process()
        process.executableURL = folder.appendingPathComponent("airfleet")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment ?? fleet.environment) { $1 }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                   errors: String(decoding: errors, as: UTF8.self))
    }
}
