import AMQP
import TestServers
import Foundation
import XCTest

final class TopologyTests: AMQPTestCase {
    let quorumArguments: AMQPTable = [
        "x-queue-type": .string("quorum"), "x-delivery-limit": .int(5), "x-dead-letter-exchange": .string("dlx"),
        "x-dead-letter-strategy": .string("at-least-once"), "x-overflow": .string("reject-publish"),
    ]

    func testQuorumQueueArgumentsRoundTripAndRedeclareIdempotently() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        let declared = try channel.declareQueue("airfleet.flights", arguments: quorumArguments)
        XCTAssertEqual(declared, AMQPQueueState(name: "airfleet.flights", messageCount: 0, consumerCount: 0))
        XCTAssertNoThrow(try channel.declareQueue("airfleet.flights", arguments: quorumArguments))

        let queue = try managementAPI().json("/api/queues/\(virtualHost)/airfleet.flights") as? [String: Any]
        let arguments = try XCTUnwrap(queue?["arguments"] as? [String: Any])
        XCTAssertEqual(arguments["x-queue-type"] as? String, "quorum")
        XCTAssertEqual((arguments["x-delivery-limit"] as? NSNumber)?.intValue, 5)
        XCTAssertEqual(arguments["x-dead-letter-exchange"] as? String, "dlx")
        XCTAssertEqual(arguments["x-dead-letter-strategy"] as? String, "at-least-once")
        XCTAssertEqual(arguments["x-overflow"] as? String, "reject-publish")
        XCTAssertEqual(queue?["type"] as? String, "quorum")
    }

    func testAQueueOfDisposableMessagesReplacesOneDeclaredDurableAndKeepsItselfWhenDeclaredAgain() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        let arguments: AMQPTable = ["x-queue-type": .string("classic"), "x-max-length": .int(10)]
        try channel.declareQueue("queries", durable: true, arguments: arguments)
        try channel.enableConfirms()
        XCTAssertEqual(try channel.publishConfirmed([message("old", routingKey: "queries")]), [.confirmed])
        let fresh = try connection.openChannel()
        XCTAssertEqual(try fresh.declareQueueReplacing("queries", durable: false, arguments: arguments).messageCount, 0,
                       "the durable queue and its message are gone")
        let queue = try managementAPI().json("/api/queues/\(virtualHost)/queries") as? [String: Any]
        XCTAssertEqual(queue?["durable"] as? Bool, false)

        XCTAssertEqual(try channel.publishConfirmed([message("new", routingKey: "queries", persistent: false)]), [.confirmed])
        XCTAssertEqual(try fresh.declareQueueReplacing("queries", durable: false, arguments: arguments).messageCount, 1,
                       "declared alike, it stays as it is")
        XCTAssertNoThrow(try fresh.declareQueue("after", durable: false), "the channel was reopened after the 406")
    }

    func testRedeclaringWithADifferentDeliveryLimitIsAPreconditionFailure() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareQueue("airfleet.bookings", arguments: quorumArguments)
        var changed = quorumArguments
        changed["x-delivery-limit"] = .int(7)
        XCTAssertThrowsError(try channel.declareQueue("airfleet.bookings", arguments: changed)) { error in
            guard let error = error as? AMQPError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.kind, .channelClosed)
            XCTAssertEqual(error.replyCode, 406)
            XCTAssertTrue(error.description.hasPrefix("declare queue 'airfleet.bookings' failed: "), error.description)
            XCTAssertTrue(error.description.contains("406"), error.description)
            XCTAssertTrue(error.description.contains("PRECONDITION_FAILED"), error.description)
            XCTAssertTrue(error.description.contains("x-delivery-limit"), error.description)
            XCTAssertFalse(error.isConnectionLost)
        }
        // The broker closed that channel; the connection and its other channels carry on.
        XCTAssertFalse(channel.isOpen)
        XCTAssertThrowsError(try channel.declareQueue("x")) { error in
            XCTAssertEqual((error as? AMQPError)?.kind, .channelClosed)
            XCTAssertTrue("\(error)".contains("406"), "\(error)")
        }
        XCTAssertTrue(connection.isOpen)
        XCTAssertNotNil(try connection.openChannel().inspectQueue("airfleet.bookings"))
    }

    func testInspectQueueReportsCountsAndNilForAMissingQueueWithoutBreakingTheChannel() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.setPrefetch(5)
        try channel.enableConfirms()
        try channel.declareQueue("present", durable: false)
        XCTAssertEqual(try channel.publishConfirmed([message("1", routingKey: "present"), message("2", routingKey: "present")]),
                       [.confirmed, .confirmed])

        XCTAssertEqual(try channel.inspectQueue("present"), AMQPQueueState(name: "present", messageCount: 2, consumerCount: 0))
        XCTAssertNil(try channel.inspectQueue("absent"))
        XCTAssertNil(try channel.inspectQueue("absent-too"))

        // Same channel number, still confirming (numbers restart at 1), still usable.
        XCTAssertTrue(channel.isOpen)
        XCTAssertEqual(try channel.publish(message("3", routingKey: "present")), 1)
        XCTAssertEqual(try channel.waitForConfirms([1]), [.confirmed])
        XCTAssertEqual(try channel.inspectQueue("present")?.messageCount, 3)
    }

    func testInspectingAMissingQueueDoesNotKillConsumersOnTheChannel() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareQueue("consumed", durable: false)
        let tag = try channel.consume(queue: "consumed")
        XCTAssertNil(try channel.inspectQueue("absent"))
        try channel.publish(message("still consuming", routingKey: "consumed"))
        let delivery = try XCTUnwrap(connection.nextDelivery(timeout: 5))
        XCTAssertEqual(delivery.consumerTag, tag)
        XCTAssertEqual(delivery.text, "still consuming")
        try channel.ack(delivery.deliveryTag)
    }

    func testDeclareBindUnbindPurgeDelete() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareExchange("events", type: .topic)
        try channel.declareExchange("audit", type: .fanout)
        try channel.bindExchange(destination: "audit", source: "events", routingKey: "#")
        try channel.declareQueue("flights")
        try channel.declareQueue("audit-log")
        try channel.bindQueue("flights", exchange: "events", routingKey: "flight.*.v1")
        try channel.bindQueue("audit-log", exchange: "audit", routingKey: "")

        let outcomes = try channel.publishConfirmed([
            message("a", exchange: "events", routingKey: "flight.delayed.v1"),
            message("b", exchange: "events", routingKey: "booking.confirmed.v1"),
        ])
        XCTAssertEqual(outcomes, [.confirmed, .confirmed])
        XCTAssertEqual(try channel.inspectQueue("flights")?.messageCount, 1)
        XCTAssertEqual(try channel.inspectQueue("audit-log")?.messageCount, 2)

        try channel.unbindQueue("flights", exchange: "events", routingKey: "flight.*.v1")
        try channel.unbindQueue("audit-log", exchange: "audit", routingKey: "")
        XCTAssertEqual(try channel.publishConfirmed([message("c", exchange: "events", routingKey: "flight.delayed.v1")]),
                       [.returned(replyCode: 312, replyText: "NO_ROUTE")])

        XCTAssertEqual(try channel.purgeQueue("audit-log"), 2)
        XCTAssertEqual(try channel.deleteQueue("flights"), 1)
        XCTAssertNil(try channel.inspectQueue("flights"))
        try channel.deleteExchange("audit")
        try channel.deleteExchange("events", ifUnused: false)
    }

    func testServerNamedExclusiveQueue() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        let queue = try channel.declareQueue("", durable: false, exclusive: true, autoDelete: true)
        XCTAssertTrue(queue.name.hasPrefix("amq.gen-"), queue.name)
    }
}
