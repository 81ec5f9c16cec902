import Foundation
import XCTest

@testable import airfleet_load

final class DrillCheckTests: XCTestCase {
    func testMailHeadersAreReadFromCRLFLinesUnfoldedAndTheFirstOfARepeatedFieldCounts() {
        let message = "Message-ID: <a@airfleet.local>\r\nSubject: Your booking\r\n  ABC123\r\nX-Airfleet-Delivery: booking:1:booking-confirmed:1\r\n"
            + "Message-ID: <b@airfleet.local>\r\n\r\nX-Airfleet-Delivery: in the body\r\n"
        let headers = SinkMail.headers(of: Data(message.utf8))
        XCTAssertEqual(headers["message-id"], "<a@airfleet.local>")
        XCTAssertEqual(headers["subject"], "Your booking ABC123")
        XCTAssertEqual(headers["x-airfleet-delivery"], "booking:1:booking-confirmed:1")
    }

    func testASinkFileNameGivesItsArrivalInUTC() {
        XCTAssertEqual(SinkMail.arrival("20261207T102448.688427Z-133847-01dd3e63.eml"), 1_796_639_088)
        XCTAssertNil(SinkMail.arrival("message.eml"))
    }

    func testTheBrokerWasAwayFromEachStopToTheStartAfterIt() {
        let faults = [
            DrillFault(at: 10, fault: "stop", target: "rabbitmq"), DrillFault(at: 12, fault: "sigkill", target: "flights-1"),
            DrillFault(at: 30, fault: "started", target: "rabbitmq"), DrillFault(at: 40, fault: "restart", target: "postgres"),
            DrillFault(at: 50, fault: "stop", target: "rabbitmq"),
        ]
        XCTAssertEqual(IngressCheck.brokerOutages(faults), [10...30])
    }

    func testAnOutageWhoseTimesCameInvertedIsStillAnOutage() {
        let faults = [DrillFault(at: 30, fault: "stop", target: "rabbitmq"), DrillFault(at: 29.5, fault: "started", target: "rabbitmq")]
        XCTAssertEqual(IngressCheck.brokerOutages(faults), [29.5...30])
    }

    func testAKilledBrokerNodeIsNoOutageOfTheBrokerButAFailover() {
        let faults = [
            DrillFault(at: 10, fault: "sigkill", target: "rabbitmq-node-1"), DrillFault(at: 12, fault: "sigkill", target: "flights-1"),
            DrillFault(at: 20, fault: "started", target: "rabbitmq-node-1"), DrillFault(at: 30, fault: "sigkill", target: "rabbitmq-node-3"),
        ]
        XCTAssertEqual(IngressCheck.brokerOutages(faults), [])
        XCTAssertEqual(FailoverCheck.nodeKills(faults).map(\.target), ["rabbitmq-node-1", "rabbitmq-node-3"])
    }

    func testAnEmptyRetryAfterDoesNotCountAsOne() {
        XCTAssertFalse(DrillRecord.Event(at: 1, status: 503, retryAfter: "").hasRetryAfter)
        XCTAssertTrue(DrillRecord.Event(at: 1, status: 503, retryAfter: "1").hasRetryAfter)
    }

    func testCopiesWithoutAMessageIDAreNotTakenForOneEmail() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("drill-mail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["20261207T102448.1Z-a.eml", "20261207T102449.1Z-b.eml"] {
            try Data("Message-ID: \r\nX-Airfleet-Delivery: booking:1:booking-confirmed:1\r\n\r\nbody\r\n".utf8)
                .write(to: folder.appendingPathComponent(name))
        }
        let before = folder.appendingPathComponent("before")
        try Data().write(to: before)
        let copies = try SinkMail(folder: folder.path, before: before.path).byKey["booking:1:booking-confirmed:1"] ?? []
        XCTAssertEqual(Set(copies.map(\.messageId)).count, 2, "each copy stands for itself: \(copies.map(\.messageId))")
    }

    func testAFailedCheckShowsAFewExamples() {
        XCTAssertEqual(sample(["a", "b"]), "['a', 'b']")
        XCTAssertEqual(sample(["a", "b", "c", "d"], 3), "['a', 'b', 'c', '…']")
        XCTAssertEqual(describe(["b": 2, "a": 1]), "{a: 1, b: 2}")
    }
}
