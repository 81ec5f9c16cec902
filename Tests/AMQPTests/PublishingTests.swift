import AMQP
import TestServers
import Foundation
import XCTest

final class PublishingTests: AMQPTestCase {
    func testPropertiesAndHeadersSurviveAPublishGetRoundTrip() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareQueue("round-trip", durable: false)
        let when = Date(timeIntervalSince1970: 1_790_000_000)
        let headers: AMQPTable = [
            "nested": ["inner": "value", "count": -7, "deeper": ["flag": false]],
            "list": [1, "two", true, .timestamp(when), ["in-array": 3]],
            "flag": true, "big": .int(Int64.max), "text": "héllo ✈", "at": .timestamp(when), "ratio": 0.25,
            "raw": .bytes([0, 1, 255]),
        ]
        let properties = AMQPProperties(
            contentType: "application/cloudevents+json", contentEncoding: "identity", headers: headers,
            persistent: true, priority: 3, correlationId: "corr-1", replyTo: "replies", expiration: "60000",
            messageId: "0b6c-1", timestamp: when, type: "booking.confirmed.v1", userId: configuration.user,
            appId: "airfleet-tests")
        let body = Data((0..<300).map { UInt8($0 % 256) })
        let outgoing = AMQPOutgoingMessage(exchange: "", routingKey: "round-trip", body: body, properties: properties)
        XCTAssertEqual(try channel.publishConfirmed([outgoing]), [.confirmed])

        let got = try XCTUnwrap(channel.get(queue: "round-trip"))
        XCTAssertEqual(got.properties, properties)
        XCTAssertEqual(got.body, body)
        XCTAssertEqual(got.routingKey, "round-trip")
        XCTAssertEqual(got.exchange, "")
        XCTAssertFalse(got.redelivered)
        XCTAssertEqual(got.channel, channel.id)
        try channel.ack(got.deliveryTag)

        let bare = AMQPOutgoingMessage(exchange: "", routingKey: "round-trip", body: Data(),
                                       properties: AMQPProperties(persistent: false))
        XCTAssertEqual(try channel.publishConfirmed([bare]), [.confirmed])
        let gotBare = try XCTUnwrap(channel.get(queue: "round-trip", noAck: true))
        XCTAssertEqual(gotBare.properties, AMQPProperties(persistent: false))
        XCTAssertEqual(gotBare.body, Data())
        XCTAssertNil(try channel.get(queue: "round-trip"))
    }

    func testBodiesLargerThanAFrameArriveWhole() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareQueue("large", durable: false)
        let body = Data((0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        XCTAssertEqual(try channel.publishConfirmed([AMQPOutgoingMessage(exchange: "", routingKey: "large", body: body)]),
                       [.confirmed])
        try channel.consume(queue: "large", noAck: true)
        XCTAssertEqual(try connection.nextDelivery(timeout: 10)?.body, body)
    }

    func testAThousandPersistentMessagesToAQuorumQueueAreAllConfirmed() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareQueue("airfleet.payments", arguments: ["x-queue-type": "quorum"])
        let messages = (0..<1_000).map { message("payment \($0)", routingKey: "airfleet.payments", id: "m-\($0)") }
        let outcomes = try channel.publishConfirmed(messages)
        XCTAssertEqual(outcomes.count, 1_000)
        XCTAssertEqual(outcomes.filter { $0 == .confirmed }.count, 1_000)
        XCTAssertEqual(try channel.inspectQueue("airfleet.payments")?.messageCount, 1_000)
    }

    func testUnroutableMandatoryMessageIsReturnedWhileItsNeighboursAreConfirmed() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareExchange("airfleet.commands", type: .direct)
        // A quorum queue confirms later than an unroutable message is returned, which is the
        // order that makes matching returns to messages hard.
        try channel.declareQueue("bound", arguments: ["x-queue-type": "quorum"])
        try channel.bindQueue("bound", exchange: "airfleet.commands", routingKey: "known")
        let batch = [
            message("same body", exchange: "airfleet.commands", routingKey: "known"),
            message("same body", exchange: "airfleet.commands", routingKey: "nobody-listens"),
            message("same body", exchange: "airfleet.commands", routingKey: "known"),
            message("other", exchange: "airfleet.commands", routingKey: "nobody-listens", id: "lost-2"),
            message("not mandatory", exchange: "airfleet.commands", routingKey: "nobody-listens", mandatory: false),
        ]
        let outcomes = try channel.publishConfirmed(batch)
        let returned = AMQPPublishOutcome.returned(replyCode: 312, replyText: "NO_ROUTE")
        XCTAssertEqual(outcomes, [.confirmed, returned, .confirmed, returned, .confirmed])
        XCTAssertEqual(channel.unmatchedReturnCount, 0)
        XCTAssertEqual(try channel.inspectQueue("bound")?.messageCount, 2)
    }

    func testAFullRejectPublishQueueNacks() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        let limit: AMQPTable = ["x-max-length": 1, "x-overflow": "reject-publish"]
        try channel.declareQueue("full-classic", arguments: limit)
        XCTAssertEqual(try channel.publishConfirmed([message("fits", routingKey: "full-classic")]), [.confirmed])
        XCTAssertEqual(try channel.publishConfirmed([message("too many", routingKey: "full-classic")]), [.nacked])

        // A quorum queue checks its limit after the fact, so it takes one message beyond it
        // before it starts refusing.
        try channel.declareQueue("full-quorum", arguments: limit.merging(["x-queue-type": "quorum"]) { $1 })
        let outcomes = try (0..<3).flatMap { index in
            try channel.publishConfirmed([message("m\(index)", routingKey: "full-quorum")])
        }
        XCTAssertEqual(outcomes.first, .confirmed)
        XCTAssertEqual(outcomes.last, .nacked)
    }

    func testPublishingToAMissingExchangeClosesOnlyThatChannel() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        XCTAssertThrowsError(try channel.publishConfirmed([message("lost", exchange: "no-such-exchange", routingKey: "k")])) { error in
            guard let error = error as? AMQPError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.kind, .channelClosed)
            XCTAssertEqual(error.replyCode, 404)
            XCTAssertTrue(error.description.contains("no-such-exchange"), error.description)
            XCTAssertFalse(error.isConnectionLost)
        }
        XCTAssertTrue(connection.isOpen)
        let other = try connection.openChannel()
        try other.declareQueue("fine", durable: false)
    }

    func testConfirmTimeoutIsReportedNotHung() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareQueue("slow", arguments: ["x-queue-type": "quorum"])
        let messages = (0..<2_000).map { message("m\($0)", routingKey: "slow") }
        XCTAssertThrowsError(try channel.publishConfirmed(messages, timeout: 0.001)) { error in
            XCTAssertEqual((error as? AMQPError)?.kind, .timeout, "\(error)")
        }
    }

    /// Prints publishConfirmed throughput for the report; asserts only correctness.
    func testMeasurePublishConfirmedThroughputToAQuorumQueue() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        let body = Data(repeating: 0x61, count: 300)
        for batchSize in [100, 1_000] {
            let queue = "throughput-\(batchSize)"
            try channel.declareQueue(queue, arguments: ["x-queue-type": "quorum"])
            let total = 10_000
            let start = Date()
            for batch in 0..<(total / batchSize) {
                let messages = (0..<batchSize).map { index in
                    AMQPOutgoingMessage(exchange: "", routingKey: queue, body: body,
                                        properties: AMQPProperties(messageId: "\(batch)-\(index)"))
                }
                let outcomes = try channel.publishConfirmed(messages)
                XCTAssertTrue(outcomes.allSatisfy { $0 == .confirmed })
            }
            let seconds = Date().timeIntervalSince(start)
            print("publishConfirmed throughput: \(total) persistent 300-byte messages to a quorum queue in batches of \(batchSize): \(Int(Double(total) / seconds)) messages/s (\(String(format: "%.2f", seconds)) s)")
            XCTAssertEqual(try channel.inspectQueue(queue)?.messageCount, total)
            try channel.deleteQueue(queue)
        }
    }
}
