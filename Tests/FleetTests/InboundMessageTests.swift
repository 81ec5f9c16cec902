import AMQP
import Foundation
import XCTest
@testable import Fleet
import FleetTestSupport

/// How the runtime reads a delivery before its handler runs, without a server: in one pass when
/// the publisher named the type, the long way otherwise, with the same outcome either way.
final class InboundMessageTests: XCTestCase {
    private var registry: HandlerRegistry {
        var registry = HandlerRegistry(context: "probe")
        registry.handle(ProbeRecord.self) { _, _ in }
        return registry
    }

    private func inbound(_ body: Data, type: String?) -> InboundMessage {
        var properties = OutgoingMessage.probe.amqpMessage.properties
        properties.type = type
        let delivery = AMQPDelivery(consumerTag: "c", deliveryTag: 7, redelivered: false, exchange: Topology.commandsExchange,
                                    routingKey: "probe.record.v1", properties: properties, body: body, channel: 1)
        return InboundMessage(delivery: delivery, registry: registry, decoder: FleetJSON.decoder())
    }

    private func data(of message: InboundMessage) -> ProbeRecord? {
        guard case .ready(_, let data, _) = message.content else { return nil }
        return data as? ProbeRecord
    }

    private func failure(of message: InboundMessage) -> String? {
        guard case .failed(let failure) = message.content else { return nil }
        return "\(failure.kind) \(failure.reason)"
    }

    func testAWellFormedMessageReadsAlikeWithOrWithoutItsTypeProperty() throws {
        let outgoing = try OutgoingMessage.make(ProbeRecord(key: "k1"), source: "t")
        for type in ["probe.record.v1", nil, "probe.other.v1", "not a type"] {
            let message = inbound(outgoing.body, type: type)
            XCTAssertEqual(data(of: message), ProbeRecord(key: "k1"), String(describing: type))
            XCTAssertEqual(message.id, outgoing.id)
        }
    }

    func testAnEnvelopeOfAnotherTypeThanItsPropertySaysIsReadByItsEnvelope() throws {
        let outgoing = try OutgoingMessage.make(ProbeRecorded(key: "k2"), source: "t")
        let message = inbound(outgoing.body, type: "probe.record.v1")
        XCTAssertEqual(failure(of: message)?.hasPrefix("unknownType"), true, String(describing: failure(of: message)))
    }

    func testABadMessageFailsForTheSameReasonWhateverItsTypeProperty() throws {
        let empty = try OutgoingMessage.make(ProbeRecord(key: ""), source: "t")
        var broken = try XCTUnwrap(JSONSerialization.jsonObject(with: empty.body) as? [String: Any])
        broken["data"] = ["key": 42]
        let wrongType = try JSONSerialization.data(withJSONObject: broken)
        for body in [empty.body, wrongType, Data("{".utf8)] {
            let named = failure(of: inbound(body, type: "probe.record.v1"))
            XCTAssertNotNil(named)
            XCTAssertEqual(named, failure(of: inbound(body, type: nil)))
        }
    }
}

private extension OutgoingMessage {
    static let probe = try! OutgoingMessage.make(ProbeRecord(key: "p"), source: "t")
}
