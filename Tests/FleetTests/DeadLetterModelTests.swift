import AMQP
import Foundation
import XCTest
@testable import Fleet
import FleetTestSupport

/// Dead letters without a server: reading their headers, filters, pacing, and the message a
/// replay sends.
final class DeadLetterModelTests: XCTestCase {
    private let failedAt = Date(timeIntervalSince1970: 1_795_000_000)

    private func letter(kind: FailureKind = .rejected, error: String = "refused on purpose", attempts: Int = 1,
                        key: String = "k", failedAt: Date? = nil) throws -> DeadLetter {
        let outgoing = try OutgoingMessage.make(ProbeRecord(key: key), source: "t")
        let amqp = DeadLetterSeed.deadLetter(outgoing, context: "probe", kind: kind, error: error, attempts: attempts,
                                             failedAt: failedAt ?? self.failedAt)
        return DeadLetter(delivery: delivery(amqp.body, amqp.properties), context: "probe")
    }

    private func delivery(_ body: Data, _ properties: AMQPProperties) -> AMQPDelivery {
        AMQPDelivery(consumerTag: "c", deliveryTag: 1, redelivered: false, exchange: Topology.deadLetterExchange,
                     routingKey: "probe", properties: properties, body: body, channel: 1)
    }

    func testTheRuntimesHeadersAreRead() throws {
        let letter = try letter(kind: .retriesExhausted, error: "database away", attempts: 3)
        XCTAssertEqual(letter.type, "probe.record.v1")
        XCTAssertEqual(letter.kind, "retries-exhausted")
        XCTAssertEqual(letter.error, "database away")
        XCTAssertEqual(letter.attempts, 3)
        XCTAssertEqual(letter.failedAt, failedAt)
        XCTAssertEqual(letter.origin, "airfleet.probe")
        XCTAssertEqual(letter.failures.map(\.kind), ["transient", "transient", "retries-exhausted"])
        XCTAssertEqual(letter.replays, 0)
    }

    func testADeadLetterOfTheBrokerIsReadFromXDeath() throws {
        let outgoing = try OutgoingMessage.make(ProbeCrash(key: "k"), source: "t")
        var properties = outgoing.amqpMessage.properties
        properties.headers = [
            "x-death": .array([
                .table(["reason": "delivery_limit", "queue": "airfleet.probe", "count": 1, "time": .timestamp(failedAt)]),
                .table(["reason": "expired", "queue": "airfleet.probe.retry.1s", "count": 2, "time": .timestamp(failedAt - 5)]),
            ]),
            "x-first-death-queue": "airfleet.probe.retry.1s", "x-first-death-reason": "expired", "x-delivery-count": 10,
        ]
        let letter = DeadLetter(delivery: delivery(outgoing.body, properties), context: "probe")
        XCTAssertEqual(letter.kind, "crashed-consumer")
        XCTAssertEqual(letter.origin, "airfleet.probe", "the retry rung's expiry is not where it died")
        XCTAssertEqual(letter.failedAt, failedAt)
        XCTAssertTrue(letter.error.contains("delivery limit"), letter.error)

        let replay = letter.replayMessage(at: failedAt + 60)
        XCTAssertNil(replay.properties.headers["x-death"])
        XCTAssertNil(replay.properties.headers["x-first-death-queue"])
        XCTAssertNil(replay.properties.headers["x-delivery-count"])
        let history = try XCTUnwrap(replay.properties.headers[FailureHeaders.failures]?.arrayValue)
        XCTAssertEqual(history.last?.tableValue?["kind"]?.stringValue, "crashed-consumer", "the broker's record moves into the history")
    }

    func testTheIdAndTypeComeFromTheEnvelopeWhenThePropertiesLackThem() throws {
        let outgoing = try OutgoingMessage.make(ProbeRecord(key: "k"), id: "env-id", source: "t")
        let letter = DeadLetter(delivery: delivery(outgoing.body, AMQPProperties()), context: "probe")
        XCTAssertEqual(letter.id, "env-id")
        XCTAssertEqual(letter.type, "probe.record.v1")
        XCTAssertEqual(letter.kind, "unknown")
        XCTAssertEqual(DeadLetter(delivery: delivery(Data("not json".utf8), AMQPProperties()), context: "probe").id, "(none)")
    }

    func testAReplayKeepsTheIdStartsTheCountersAfreshAndCountsReplays() throws {
        let letter = try letter(kind: .retriesExhausted, attempts: 3)
        let now = failedAt + 3600
        let first = letter.replayMessage(at: now)
        XCTAssertEqual(first.exchange, "")
        XCTAssertEqual(first.routingKey, "airfleet.probe")
        XCTAssertTrue(first.mandatory)
        XCTAssertEqual(first.body, letter.delivery.body)
        XCTAssertEqual(first.properties.messageId, letter.id)
        XCTAssertEqual(first.properties.type, "probe.record.v1")
        XCTAssertTrue(first.properties.persistent)
        let headers = first.properties.headers
        for cleared in [FailureHeaders.attempt, FailureHeaders.error, FailureHeaders.errorKind, FailureHeaders.attempts,
                        FailureHeaders.failedAt, FailureHeaders.consumer, FailureHeaders.queue] {
            XCTAssertNil(headers[cleared], cleared)
        }
        XCTAssertEqual(headers[FailureHeaders.failures]?.arrayValue?.count, 3, "the history stays")
        XCTAssertEqual(headers[FailureHeaders.originalRoutingKey]?.stringValue, "probe.record.v1")
        XCTAssertEqual(headers[DeadLetterHeaders.replays]?.intValue, 1)
        XCTAssertEqual(headers[DeadLetterHeaders.replayedAt]?.stringValue, FleetJSON.formatTimestamp(now))

        // Dead again after its replay, then replayed again: the count goes on.
        var again = first.properties
        again.headers[FailureHeaders.error] = "still refused"
        let second = DeadLetter(delivery: delivery(first.body, again), context: "probe")
        XCTAssertEqual(second.replays, 1)
        XCTAssertEqual(second.replayMessage(at: now).properties.headers[DeadLetterHeaders.replays]?.intValue, 2)
    }

    func testFiltersTakeTypesReasonsTimesAndIds() throws {
        let letter = try letter(kind: .invalid, error: "data.seats must be at least 1")
        XCTAssertTrue(DeadLetterFilter().matches(letter))
        XCTAssertTrue(DeadLetterFilter(types: ["probe.record.v1"]).matches(letter))
        XCTAssertTrue(DeadLetterFilter(types: ["probe.*"]).matches(letter))
        XCTAssertTrue(DeadLetterFilter(types: ["seats.*", "*.record.*"]).matches(letter))
        XCTAssertFalse(DeadLetterFilter(types: ["probe.record.v2"]).matches(letter))
        XCTAssertFalse(DeadLetterFilter(types: ["probe.*.v2"]).matches(letter))
        XCTAssertFalse(DeadLetterFilter(types: ["probe.record"]).matches(letter))
        XCTAssertTrue(DeadLetterFilter(reason: "SEATS must").matches(letter))
        XCTAssertTrue(DeadLetterFilter(reason: "invalid").matches(letter), "the kind counts as reason too")
        XCTAssertFalse(DeadLetterFilter(reason: "timeout").matches(letter))
        XCTAssertTrue(DeadLetterFilter(since: failedAt, until: failedAt + 1).matches(letter))
        XCTAssertFalse(DeadLetterFilter(since: failedAt + 1).matches(letter))
        XCTAssertFalse(DeadLetterFilter(until: failedAt).matches(letter), "until is exclusive")
        XCTAssertTrue(DeadLetterFilter(ids: [letter.id, "other"]).matches(letter))
        XCTAssertFalse(DeadLetterFilter(types: ["probe.*"], ids: ["other"]).matches(letter), "every condition must hold")

        let timeless = DeadLetter(delivery: delivery(letter.delivery.body, AMQPProperties(messageId: "x", type: "probe.record.v1")), context: "probe")
        XCTAssertFalse(DeadLetterFilter(since: failedAt).matches(timeless))
        XCTAssertTrue(DeadLetterFilter(types: ["probe.record.v1"]).matches(timeless))
    }

    func testTimesAreAbsoluteOrSpansBackFromNow() throws {
        let now = failedAt
        XCTAssertEqual(try DeadLetterFilter.parseTime("2026-11-23T04:00:00Z", option: "--since", now: now),
                       FleetJSON.parseTimestamp("2026-11-23T04:00:00Z"))
        XCTAssertEqual(try DeadLetterFilter.parseTime("2026-11-23", option: "--since", now: now),
                       FleetJSON.parseTimestamp("2026-11-23T00:00:00Z"))
        XCTAssertEqual(try DeadLetterFilter.parseTime("90m", option: "--since", now: now), now - 5400)
        XCTAssertEqual(try DeadLetterFilter.parseTime("2h", option: "--since", now: now), now - 7200)
        XCTAssertEqual(try DeadLetterFilter.parseTime("3d", option: "--since", now: now), now - 3 * 86_400)
        XCTAssertThrowsError(try DeadLetterFilter.parseTime("yesterday", option: "--until", now: now)) { error in
            XCTAssertTrue("\(error)".hasPrefix("--until: 'yesterday' is not a time"), "\(error)")
        }
    }

    func testRatesParseAndPaceFromTheStart() throws {
        XCTAssertEqual(try ReplayRate(parsing: "100/s").perSecond, 100)
        XCTAssertEqual(try ReplayRate(parsing: "50").perSecond, 50)
        XCTAssertEqual(try ReplayRate(parsing: "600/m").perSecond, 10)
        XCTAssertEqual(try ReplayRate(parsing: "1800/h").perSecond, 0.5)
        for bad in ["0/s", "-3/s", "fast", "10/d", "1/2/s", ""] {
            XCTAssertThrowsError(try ReplayRate(parsing: bad), bad)
        }
        let pacer = ReplayPacer(rate: ReplayRate(perSecond: 100))
        XCTAssertEqual(pacer.delay(beforeMessage: 0, elapsed: .zero), .zero)
        XCTAssertEqual(pacer.delay(beforeMessage: 1, elapsed: .zero), .milliseconds(10))
        XCTAssertEqual(pacer.delay(beforeMessage: 49, elapsed: .milliseconds(400)), .milliseconds(90))
        XCTAssertEqual(pacer.delay(beforeMessage: 10, elapsed: .seconds(1)), .zero, "behind schedule: no wait")
        XCTAssertEqual(ReplayPacer(rate: nil).delay(beforeMessage: 1000, elapsed: .zero), .zero)
    }

    func testTheSummaryGroupsByContextTypeAndReasonWithTheOldest() throws {
        var summary = DeadLetterSummary()
        summary.add(try letter(kind: .invalid, error: "newer", failedAt: failedAt))
        summary.add(try letter(kind: .invalid, error: "older", failedAt: failedAt - 60))
        summary.add(try letter(kind: .rejected, error: "no"))
        XCTAssertEqual(summary.total, 3)
        let groups = summary.sortedGroups
        XCTAssertEqual(groups.map(\.kind), ["invalid", "rejected"])
        XCTAssertEqual(groups[0].count, 2)
        XCTAssertEqual(groups[0].example, "older")
        XCTAssertEqual(groups[0].oldestAge(now: failedAt), 60)
    }

    func testTheJSONFormHoldsTheHistoryPropertiesAndBody() throws {
        let object = try letter(kind: .invalid, error: "bad", attempts: 2).jsonObject()
        XCTAssertEqual(object["kind"] as? String, "invalid")
        XCTAssertEqual((object["failures"] as? [[String: Any]])?.count, 2)
        XCTAssertEqual(((object["body"] as? [String: Any])?["data"] as? [String: Any])?["key"] as? String, "k")
        let headers = try XCTUnwrap((object["properties"] as? [String: Any])?["headers"] as? [String: Any])
        XCTAssertEqual(headers[FailureHeaders.errorKind] as? String, "invalid")
    }
}
