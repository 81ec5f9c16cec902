import Foundation
import XCTest
@testable import Fleet
import FleetTestSupport

/// What an inbox row keeps of the messages a handler emitted, to publish them again after a crash.
final class EmittedMessagesTests: XCTestCase {
    func testWhatWasEmittedComesBackAsItWasSent() throws {
        let time = Date(timeIntervalSince1970: 1_796_000_000.125)
        let sent = [
            try OutgoingMessage.make(ProbeRecorded(key: "a \"quoted\" / slashed key"), source: "airfleet/probe", subject: "a",
                                     correlationId: "corr-1", causationId: "cause-1", time: time,
                                     replyTo: "amq.rabbitmq.reply-to.g1h2AA5yZXBseUA+/=", replyTypes: ["probe.recorded.v1", "x.\"y\".v1"]),
            try OutgoingMessage.make(ProbeRecord(key: "b"), source: "airfleet/probe", time: time),
        ]
        let text = try XCTUnwrap(EmittedMessages.encode(sent))
        let back = try EmittedMessages.decode(text, decoder: FleetJSON.decoder())

        XCTAssertEqual(back.map(\.id), sent.map(\.id))
        XCTAssertEqual(back.map(\.type), sent.map(\.type))
        XCTAssertEqual(back.map(\.exchange), [Topology.eventsExchange, Topology.commandsExchange])
        XCTAssertEqual(back.map(\.replyTo), sent.map(\.replyTo))
        XCTAssertEqual(back.map(\.replyTypes), sent.map(\.replyTypes))
        XCTAssertEqual(back.map(\.correlationId), sent.map(\.correlationId))
        XCTAssertEqual(back.map(\.source), sent.map(\.source))
        XCTAssertEqual(back.map(\.time), sent.map(\.time))
        for (original, copy) in zip(sent, back) {
            let decoded = try JSONSerialization.jsonObject(with: copy.body) as? NSDictionary
            XCTAssertEqual(decoded, try JSONSerialization.jsonObject(with: original.body) as? NSDictionary, "the same envelope")
        }
    }

    func testAHandlerThatEmittedNothingStoresNothing() {
        XCTAssertNil(EmittedMessages.encode([]))
    }

    func testAnEntryThatIsNotWhatWasStoredIsRefusedInWords() {
        XCTAssertThrowsError(try EmittedMessages.decode(#"[{"exchange":"airfleet.events"}]"#, decoder: FleetJSON.decoder())) { error in
            XCTAssertTrue("\(error)".contains("lacks its exchange or its envelope"), "\(error)")
        }
    }
}
