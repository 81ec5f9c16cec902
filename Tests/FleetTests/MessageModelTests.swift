import Foundation
import XCTest
@testable import Fleet
import FleetTestSupport

/// The message model without any server: names, envelopes, upcasting, decoding errors, ladders.
final class MessageModelTests: XCTestCase {
    func testMessageTypesParseOnlyTheWireForm() {
        XCTAssertEqual(MessageType(parsing: "booking.confirmed.v1"), MessageType("booking.confirmed", version: 1))
        XCTAssertEqual(MessageType(parsing: "flight.change-gate.v12")?.version, 12)
        XCTAssertEqual(MessageType(parsing: "seats.hold-2x.v3"), MessageType("seats.hold-2x", version: 3))
        XCTAssertEqual(MessageType(parsing: "a.vote.v2")?.name, "a.vote")
        for bad in ["booking.confirmed", "booking.confirmed.v0", "booking.v1", "Booking.confirmed.v1",
                    "booking..confirmed.v1", "booking.confirmed.v01", "booking.confirmed.vx", "",
                    ".booking.confirmed.v1", "booking.confirmed..v1", "booking.1confirmed.v1", "booking.-x.v1",
                    "booking.confirmé.v1", "booking.con_firmed.v1", "booking.confirmed.v", "booking.confirmed.v-1"] {
            XCTAssertNil(MessageType(parsing: bad), bad)
        }
    }

    func testEnvelopeRoundTripKeepsEveryAttribute() throws {
        let time = Date(timeIntervalSince1970: 1_795_000_000.5)
        let outgoing = try OutgoingMessage.make(ProbeRecord(key: "k1"), id: "id-1", source: "airfleet/tests",
                                                subject: "k1", correlationId: "corr", causationId: "cause", time: time)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: outgoing.body) as? [String: Any])
        XCTAssertEqual(json["specversion"] as? String, "1.0")
        XCTAssertEqual(json["type"] as? String, "probe.record.v1")
        XCTAssertEqual(json["time"] as? String, "2026-11-18T11:06:40.500Z")
        XCTAssertEqual((json["data"] as? [String: Any])?["key"] as? String, "k1")
        XCTAssertEqual(outgoing.exchange, Topology.commandsExchange)
        XCTAssertEqual(outgoing.amqpMessage.routingKey, "probe.record.v1")
        XCTAssertEqual(outgoing.amqpMessage.properties.messageId, "id-1")
        XCTAssertEqual(outgoing.amqpMessage.properties.correlationId, "corr")
        XCTAssertTrue(outgoing.amqpMessage.mandatory)

        let header = try FleetJSON.decoder().decode(EnvelopeHeader.self, from: outgoing.body)
        XCTAssertEqual(header.id, "id-1")
        XCTAssertEqual(header.causationid, "cause")
        XCTAssertEqual(header.subject, "k1")
        XCTAssertEqual(header.time?.timeIntervalSince1970 ?? 0, time.timeIntervalSince1970, accuracy: 0.001)
    }

    func testEventsAreNotMandatoryBecauseNobodyMayFollowThemYet() throws {
        let event = try OutgoingMessage.make(ProbeRecorded(key: "k"), source: "airfleet/tests")
        XCTAssertEqual(event.exchange, Topology.eventsExchange)
        XCTAssertFalse(event.amqpMessage.mandatory)
    }

    func testRegistryAcceptsOlderVersionsThroughUpcasters() throws {
        let registry = ProbeContexts.probe().registry
        XCTAssertTrue(registry.acceptedMessages.contains { $0.0 == ProbeNoteV1.messageType })
        XCTAssertTrue(registry.acceptedMessages.contains { $0.0 == ProbeNoteV2.messageType })
        guard case .unsupportedVersion(let versions) = registry.resolveHandler(MessageType("probe.note", version: 3)) else {
            return XCTFail("v3 should be an unsupported version")
        }
        XCTAssertEqual(versions, [1, 2])
        guard case .unknownType = registry.resolveHandler(MessageType("probe.nothing", version: 1)) else {
            return XCTFail("an unknown name should be an unknown type")
        }
        let topology = ContextTopology(registry: registry)
        XCTAssertTrue(topology.commands.contains(MessageType("probe.note", version: 1)))
        XCTAssertEqual(topology.queries, [ProbeCount.messageType, ProbeSlowQuery.messageType])
    }

    func testDecodingFailuresNameTheField() {
        func failure(_ json: String) -> String {
            do {
                _ = try JSONDecoder().decode(SampleBooking.self, from: Data(json.utf8))
                return "decoded"
            } catch {
                let (field, reason) = describeDecodingFailure(error)
                return "\(field) \(reason)"
            }
        }
        XCTAssertEqual(failure(#"{"passengers":[{"firstName":"A","age":3},{"age":4}]}"#), "data.passengers[1].firstName is required")
        XCTAssertEqual(failure(#"{"passengers":[{"firstName":"A","age":"x"}]}"#), "data.passengers[0].age must be an integer")
        XCTAssertEqual(failure(#"{"passengers":[{"firstName":null,"age":1}]}"#), "data.passengers[0].firstName must be a string, not null")
        XCTAssertTrue(failure("{nope").hasPrefix("data is not valid JSON"))
    }

    /// Foundation's decoder texts never reach people: each says what the field must be, and
    /// quotes what it got.
    func testDecodingFailuresAreSaidInPlainWordsWithTheValue() {
        enum Seating: String, Codable, CaseIterable { case aisle, window }
        struct Sample: Decodable {
            var flightId: UUID
            var seating: Seating
            var departure: Date
            var count: Int
        }
        func failure(_ json: String) -> String {
            do {
                _ = try FleetJSON.decoder().decode(Sample.self, from: Data(json.utf8))
                return "decoded"
            } catch {
                let (field, reason) = describeDecodingFailure(error, document: Data(json.utf8))
                return "\(field) \(reason)"
            }
        }
        let good = #""flightId":"0b6c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e","seating":"aisle","departure":"2030-01-01T10:00:00Z","count":1"#
        XCTAssertEqual(failure("{\(good)}"), "decoded")
        XCTAssertEqual(failure(#"{"flightId":"not-a-uuid","seating":"aisle","departure":"2030-01-01T10:00:00Z","count":1}"#),
                       #"data.flightId must be a UUID, got "not-a-uuid""#)
        XCTAssertEqual(failure(#"{"flightId":"0b6c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e","seating":"middle","departure":"2030-01-01T10:00:00Z","count":1}"#),
                       #"data.seating must be one of aisle, window, got "middle""#)
        XCTAssertEqual(failure(#"{"flightId":"0b6c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e","seating":"aisle","departure":"next tuesday","count":1}"#),
                       #"data.departure must be an RFC 3339 time such as 2026-11-23T04:00:00Z, got "next tuesday""#)
        XCTAssertEqual(failure(#"{"flightId":"0b6c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e","seating":"aisle","departure":"2030-01-01T10:00:00Z","count":"two"}"#),
                       #"data.count must be an integer, got "two""#)
        XCTAssertEqual(failure(#"{"flightId":7,"seating":"aisle","departure":"2030-01-01T10:00:00Z","count":1}"#),
                       "data.flightId must be a string, got 7")
    }

    func testRetryLadderParsesAndPrintsDurations() throws {
        let ladder = try RetryLadder(parsing: "200ms, 1s,1m,10m")
        XCTAssertEqual(ladder.delays, [.milliseconds(200), .seconds(1), .seconds(60), .seconds(600)])
        XCTAssertEqual(ladder.description, "200ms,1s,1m,10m")
        XCTAssertEqual(ladder.maxAttempts, 5)
        XCTAssertEqual(ladder.rung(after: 1), 0)
        XCTAssertEqual(ladder.rung(after: 4), 3)
        XCTAssertNil(ladder.rung(after: 5))
        // A wait a handler asks for goes through the longest rung that does not overshoot it.
        XCTAssertEqual(ladder.delay(closestBelow: .seconds(25)), .seconds(1))
        XCTAssertEqual(ladder.delay(closestBelow: .seconds(60)), .seconds(60))
        XCTAssertEqual(ladder.delay(closestBelow: .milliseconds(50)), .milliseconds(200), "the shortest when all overshoot")
        XCTAssertThrowsError(try RetryLadder(parsing: "1s,soon")) { error in
            XCTAssertTrue("\(error)".contains("'soon' is not a duration"), "\(error)")
        }
        XCTAssertEqual(Topology.retryQueue(of: "bookings", delay: .seconds(600)), "airfleet.bookings.retry.10m")
    }

    func testConfigurationReportsTheVariableAtFault() {
        XCTAssertThrowsError(try FleetConfiguration.fromEnvironment(["AIRFLEET_PREFETCH": "lots"])) { error in
            XCTAssertEqual("\(error)", "AIRFLEET_PREFETCH: 'lots' must be a whole number from 1 to 65535")
        }
        XCTAssertThrowsError(try FleetConfiguration.fromEnvironment(["AIRFLEET_FAILPOINTS": "after-lunch=kill"])) { error in
            XCTAssertTrue("\(error)".contains("unknown point 'after-lunch'"), "\(error)")
        }
        XCTAssertThrowsError(try FleetConfiguration.fromEnvironment(["AIRFLEET_SCHEMA_PREFIX": "Bad-Prefix"]))
        XCTAssertThrowsError(try FleetConfiguration.fromEnvironment(["AIRFLEET_CONSUMER_PRIORITY": "-3"])) { error in
            XCTAssertEqual("\(error)", "AIRFLEET_CONSUMER_PRIORITY: '-3' must be a whole number from 0 to 2147483647")
        }
    }

    func testAContextThatWaitsOnTheOutsideWorldTakesBatchesOfItsCallsAndHoldsThreeOfThem() throws {
        let configuration = try FleetConfiguration.fromEnvironment(["AIRFLEET_PREFETCH": "300", "AIRFLEET_BATCH_SIZE": "100"])
        let plain = ProbeContexts.probe()
        XCTAssertEqual(plain.batchSize(in: configuration), 100)
        XCTAssertEqual(plain.prefetch(in: configuration), 300)
        let waiting = plain.withConcurrentCalls(16)
        XCTAssertEqual(waiting.batchSize(in: configuration), 16)
        XCTAssertEqual(waiting.prefetch(in: configuration), 48)
        // The operator's smaller settings still win.
        let small = try FleetConfiguration.fromEnvironment(["AIRFLEET_PREFETCH": "20", "AIRFLEET_BATCH_SIZE": "5"])
        XCTAssertEqual(waiting.batchSize(in: small), 5)
        XCTAssertEqual(waiting.prefetch(in: small), 20)
        // Drawn apart by default, so that a context's processes rank one after another.
        let priorities = try Set((1...5).map { _ in try FleetConfiguration.fromEnvironment([:]).consumerPriority })
        XCTAssertGreaterThan(priorities.count, 1)
    }

    func testTopologyDeclaresEveryQueueOfAContext() {
        let topology = ProbeContexts.topology(settings: TopologySettings(retryLadder: RetryLadder(delays: [.seconds(1), .seconds(10)])))
        var queues: [String] = []
        for case .queue(let name, _, _) in topology.declarations { queues.append(name) }
        for expected in ["airfleet.unroutable", "airfleet.probe", "airfleet.probe.queries", "airfleet.probe.dlq",
                         "airfleet.probe.retry.1s", "airfleet.probe.retry.10s", "airfleet.tally"] {
            XCTAssertTrue(queues.contains(expected), expected)
        }
        XCTAssertTrue(topology.declarations.contains(.binding(queue: "airfleet.tally", exchange: Topology.eventsExchange, routingKey: "probe.recorded.v1")))
        XCTAssertEqual(topology.owner(ofCommand: ProbeRecord.messageType), "probe")
        XCTAssertNil(topology.owner(ofCommand: MessageType("probe.nobody", version: 1)))
    }
}

private struct SamplePassenger: Decodable { let firstName: String; let age: Int }
private struct SampleBooking: Decodable { let passengers: [SamplePassenger] }
