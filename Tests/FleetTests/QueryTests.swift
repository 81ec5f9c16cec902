import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// Queries over direct reply-to, answered by a context's query worker.
final class QueryTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet() }
    override func tearDown() { fleet?.tearDown() }

    private func client() throws -> QueryClient {
        try QueryClient(amqp: fleet.configuration.amqp, source: "airfleet/tests", logger: fleet.logger)
    }

    func testAQueryIsAnsweredOverDirectReplyTo() throws {
        _ = try fleet.start(ProbeContexts.probe())
        _ = try fleet.publisher().publish(ProbeRecord(key: "asked"))
        try fleet.eventually("recorded") {
            try fleet.integer("SELECT count(*) FROM \(fleet.schema("probe")).records WHERE key = 'asked'") == 1
        }
        let client = try client()
        XCTAssertEqual(try client.ask(ProbeCount(key: "asked")), ProbeCount.Response(key: "asked", count: 1))
        XCTAssertEqual(try client.ask(ProbeCount(key: "never")), ProbeCount.Response(key: "never", count: 0))
    }

    func testAQueryRightAfterTheDatabaseDroppedTheWorkersSessionsIsAnswered() throws {
        _ = try fleet.start(ProbeContexts.probe())
        let client = try client()
        for _ in 0..<4 { XCTAssertEqual(try client.ask(ProbeCount(key: "k")).count, 0) }
        // As a database restart would end them.
        let ended = try fleet.integer(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'airfleet-probe') ended")
        XCTAssertGreaterThan(ended, 0)
        for _ in 0..<6 { XCTAssertEqual(try client.ask(ProbeCount(key: "k")).count, 0, "answered, not failed") }
    }

    func testAQueryNobodyAnswersTimesOutWithAClearError() throws {
        // The queue exists (the topology is declared) but no probe process runs.
        let client = try client()
        let started = ContinuousClock.now
        XCTAssertThrowsError(try client.ask(ProbeCount(key: "k"), timeout: .milliseconds(700))) { error in
            XCTAssertEqual("\(error)", "probe.count.v1 got no answer within 0.7 s: is a process of the context that answers it running and keeping up?")
        }
        let waited = ContinuousClock.now - started
        XCTAssertGreaterThanOrEqual(waited, .milliseconds(650), "waits about as long as asked")
        XCTAssertLessThan(waited, .seconds(3))
    }

    func testAQueryNoContextBindsFailsAtOnce() throws {
        struct Unasked: Query {
            static let messageType = MessageType("probe.unasked", version: 1)
            typealias Response = ProbeCount.Response
        }
        XCTAssertThrowsError(try client().ask(Unasked(), timeout: .seconds(5))) { error in
            XCTAssertTrue("\(error)".hasPrefix("no context answers probe.unasked.v1"), "\(error)")
        }
    }

    func testALateAnswerToAnAbandonedQueryIsNotMistakenForTheNextOne() throws {
        _ = try fleet.start(ProbeContexts.probe())
        let client = try client()
        XCTAssertThrowsError(try client.ask(ProbeSlowQuery(milliseconds: 600), timeout: .milliseconds(200)))
        Thread.sleep(forTimeInterval: 0.6)
        XCTAssertEqual(try client.ask(ProbeCount(key: "fresh")).key, "fresh")
    }

    func testASlowQueryDoesNotHoldUpTheNext() throws {
        _ = try fleet.start(ProbeContexts.probe())
        let slow = SlowAsker(try client())
        slow.start()
        Thread.sleep(forTimeInterval: 0.2)
        let started = ContinuousClock.now
        XCTAssertEqual(try client().ask(ProbeCount(key: "quick")).key, "quick")
        XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(1000), "answered by another query worker")
        XCTAssertTrue(slow.finished(within: 5), "the slow query is answered too")
    }

    func testAnInvalidQueryIsAnsweredWithTheFieldAtFault() throws {
        _ = try fleet.start(ProbeContexts.probe())
        let outgoing = try OutgoingMessage.make(ProbeCount(key: "x"), source: "t")
        let broken = OutgoingMessage(id: outgoing.id, type: outgoing.type, exchange: outgoing.exchange,
                                     body: Data(String(decoding: outgoing.body, as: UTF8.self).replacingOccurrences(of: #""key":"x""#, with: #""key":7"#).utf8),
                                     correlationId: nil, time: outgoing.time, source: "t")
        let reply = try client().askRaw(broken, timeout: .seconds(5))
        let decoded = try FleetJSON.decoder().decode(QueryReply<ProbeCount.Response>.self, from: reply)
        XCTAssertFalse(decoded.ok)
        XCTAssertEqual(decoded.error, QueryError(kind: .invalid, message: "must be a string, got 7", field: "data.key"))
    }
}

/// Asks a 1.5 s query on a thread of its own. The client is used only by that thread.
private final class SlowAsker: @unchecked Sendable {
    private let client: QueryClient
    private let done = DispatchSemaphore(value: 0)

    init(_ client: QueryClient) { self.client = client }

    func start() {
        Thread { [self] in
            _ = try? client.ask(ProbeSlowQuery(milliseconds: 1500), timeout: .seconds(5))
            done.signal()
        }.start()
    }

    func finished(within seconds: Double) -> Bool { done.wait(timeout: .now() + seconds) == .success }
}
