@testable import AMQP
import Foundation
import XCTest

/// The matching of acks, nacks and returns to publishes, in orders the broker produces.
final class PublishConfirmTrackerTests: XCTestCase {
    func message(_ key: String, _ body: String = "b", id: String? = nil) -> AMQPOutgoingMessage {
        AMQPOutgoingMessage(exchange: "x", routingKey: key, body: Data(body.utf8), properties: AMQPProperties(messageId: id))
    }

    func testNumbersFromOneOnlyOnceEnabled() {
        var tracker = PublishConfirmTracker()
        XCTAssertEqual(tracker.recordPublish(message("k")), 0)
        tracker.enable()
        XCTAssertEqual(tracker.recordPublish(message("k")), 1)
        XCTAssertEqual(tracker.recordPublish(message("k")), 2)
    }

    func testMultipleAckSettlesEverythingUpToTheTag() {
        var tracker = PublishConfirmTracker()
        tracker.enable()
        let sequences = (0..<5).map { _ in tracker.recordPublish(message("k")) }
        tracker.acknowledge(3, multiple: true)
        XCTAssertNil(tracker.takeOutcomes(sequences))
        tracker.reject(5, multiple: false)
        tracker.acknowledge(4, multiple: false)
        XCTAssertEqual(tracker.takeOutcomes(sequences), [.confirmed, .confirmed, .confirmed, .confirmed, .nacked])
        XCTAssertFalse(tracker.knows(1), "outcomes are handed out once")
    }

    /// An unroutable message's return and ack overtake the acks of earlier messages that wait
    /// for a quorum; the return must still land on the unroutable one.
    func testReturnIsMatchedToItsMessageWhenAcksArriveOutOfOrder() {
        var tracker = PublishConfirmTracker()
        tracker.enable()
        let routed = tracker.recordPublish(message("routed", id: "1"))
        let lost = tracker.recordPublish(message("nowhere", id: "2"))
        let routedToo = tracker.recordPublish(message("routed", id: "3"))
        XCTAssertTrue(tracker.recordReturn(exchange: "x", routingKey: "nowhere", messageId: "2", body: Data("b".utf8),
                                           code: 312, text: "NO_ROUTE"))
        tracker.acknowledge(lost, multiple: false)
        tracker.acknowledge(routedToo, multiple: true)
        XCTAssertEqual(tracker.takeOutcomes([routed, lost, routedToo]),
                       [.confirmed, .returned(replyCode: 312, replyText: "NO_ROUTE"), .confirmed])
    }

    func testIdenticalCopiesAreReturnedInPublishOrder() {
        var tracker = PublishConfirmTracker()
        tracker.enable()
        let first = tracker.recordPublish(message("nowhere"))
        let second = tracker.recordPublish(message("nowhere"))
        tracker.recordReturn(exchange: "x", routingKey: "nowhere", messageId: nil, body: Data("b".utf8), code: 312, text: "NO_ROUTE")
        tracker.acknowledge(first, multiple: false)
        tracker.acknowledge(second, multiple: false)
        XCTAssertEqual(tracker.takeOutcomes([first, second]), [.returned(replyCode: 312, replyText: "NO_ROUTE"), .confirmed])
    }

    func testReturnOfAnUnknownMessageIsCountedNotMisattributed() {
        var tracker = PublishConfirmTracker()
        tracker.enable()
        let sequence = tracker.recordPublish(message("k", "body"))
        XCTAssertFalse(tracker.recordReturn(exchange: "x", routingKey: "k", messageId: nil, body: Data("other".utf8),
                                            code: 312, text: "NO_ROUTE"))
        tracker.acknowledge(sequence, multiple: false)
        XCTAssertEqual(tracker.takeOutcomes([sequence]), [.confirmed])
        XCTAssertEqual(tracker.unmatchedReturns, 1)
    }
}
