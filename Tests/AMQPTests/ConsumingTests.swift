import AMQP
import TestServers
import Foundation
import XCTest

final class ConsumingTests: AMQPTestCase {
    /// Channel 1 consumes while channel 2 runs synchronous methods: the deliveries that arrive
    /// in the middle of channel 2's RPCs are kept, in order, for nextDelivery.
    func testDeliveriesArrivingDuringAnotherChannelsRPCAreBufferedInOrder() throws {
        let connection = try connect()
        let consuming = try connection.openChannel()
        let declaring = try connection.openChannel()
        try declaring.declareQueue("work", durable: false)
        let count = 500
        let outcomes = try declaring.publishConfirmed((0..<count).map { message("\($0)", routingKey: "work") })
        XCTAssertEqual(outcomes.count, count)

        try consuming.consume(queue: "work", noAck: true)
        for index in 0..<20 {
            try declaring.declareQueue("other-\(index)", durable: false)
        }
        XCTAssertGreaterThan(connection.bufferedDeliveryCount, 0, "some deliveries should have arrived during the declares")

        let deliveries = try read(count, from: connection)
        XCTAssertEqual(deliveries.map(\.text), (0..<count).map(String.init))
        XCTAssertEqual(Set(deliveries.map(\.channel)), [consuming.id])
        XCTAssertNil(try connection.nextDelivery(timeout: 0.2))
    }

    func testNextDeliveryWithZeroTimeoutReturnsOnlyWhatIsThere() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareQueue("empty", durable: false)
        try channel.consume(queue: "empty")
        let start = Date()
        XCTAssertNil(try connection.nextDelivery(timeout: 0))
        XCTAssertNil(try connection.nextDelivery(timeout: 0.3))
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func testAckMultipleAcknowledgesEverythingUpToTheTag() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareQueue("acks", durable: false)
        _ = try channel.publishConfirmed((0..<10).map { message("\($0)", routingKey: "acks") })
        try channel.consume(queue: "acks")
        let deliveries = try read(10, from: connection)
        XCTAssertEqual(deliveries.count, 10)
        try channel.ack(deliveries[4].deliveryTag, multiple: true)
        channel.close()
        // Closing the channel requeued the five unacknowledged messages, and only those.
        let checking = try connection.openChannel()
        XCTAssertEqual(try checking.inspectQueue("acks")?.messageCount, 5)
        XCTAssertEqual(try checking.get(queue: "acks", noAck: true)?.text, "5")
    }

    func testNackWithRequeueRedeliversAndQuorumQueueCountsDeliveries() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareQueue("retry", arguments: ["x-queue-type": "quorum"])
        _ = try channel.publishConfirmed([message("again", routingKey: "retry", id: "r-1")])
        try channel.setPrefetch(1)
        try channel.consume(queue: "retry")

        let first = try XCTUnwrap(connection.nextDelivery(timeout: 5))
        XCTAssertFalse(first.redelivered)
        XCTAssertEqual(first.deliveryCount, 0)
        try channel.nack(first.deliveryTag, requeue: true)

        let second = try XCTUnwrap(connection.nextDelivery(timeout: 5))
        XCTAssertEqual(second.text, "again")
        XCTAssertEqual(second.properties.messageId, "r-1")
        XCTAssertTrue(second.redelivered)
        XCTAssertEqual(second.deliveryCount, 1)
        try channel.ack(second.deliveryTag)
    }

    func testRejectWithoutRequeueDeadLettersToTheQueuesExchange() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareExchange("airfleet.dlx", type: .fanout)
        try channel.declareQueue("airfleet.flights.dlq", arguments: ["x-queue-type": "quorum"])
        try channel.bindQueue("airfleet.flights.dlq", exchange: "airfleet.dlx", routingKey: "")
        try channel.declareQueue("airfleet.flights", arguments: [
            "x-queue-type": "quorum", "x-dead-letter-exchange": "airfleet.dlx",
            "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish",
        ])
        _ = try channel.publishConfirmed([message("poison", routingKey: "airfleet.flights", id: "p-1")])
        try channel.consume(queue: "airfleet.flights")
        let delivery = try XCTUnwrap(connection.nextDelivery(timeout: 5))
        try channel.reject(delivery.deliveryTag, requeue: false)

        let dead = try XCTUnwrap(poll("airfleet.flights.dlq", on: try connection.openChannel()),
                                 "the rejected message should reach the dead-letter queue")
        XCTAssertEqual(dead.text, "poison")
        XCTAssertEqual(dead.properties.messageId, "p-1")
        let death = try XCTUnwrap(dead.properties.headers["x-death"]?.arrayValue?.first?.tableValue)
        XCTAssertEqual(death["reason"]?.stringValue, "rejected")
        XCTAssertEqual(death["queue"]?.stringValue, "airfleet.flights")
        XCTAssertEqual(try channel.inspectQueue("airfleet.flights")?.messageCount, 0)
    }

    func testCancelReturnsTheDeliveriesAlreadyInFlight() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareQueue("drain", durable: false)
        let sent = 50
        _ = try channel.publishConfirmed((0..<sent).map { message("\($0)", routingKey: "drain") })
        try channel.setPrefetch(50)
        let tag = try channel.consume(queue: "drain")
        let before = try XCTUnwrap(connection.nextDelivery(timeout: 5))
        let inFlight = try channel.cancel(consumerTag: tag)

        let handed = [before] + inFlight
        XCTAssertFalse(inFlight.isEmpty)
        XCTAssertTrue(handed.allSatisfy { $0.consumerTag == tag })
        XCTAssertEqual(Set(handed.map(\.deliveryTag)).count, handed.count)
        XCTAssertNil(try connection.nextDelivery(timeout: 1), "nothing arrives after the cancel")
        for delivery in handed { try channel.ack(delivery.deliveryTag) }
        // What was not handed out was never sent: it is still in the queue.
        XCTAssertEqual(try channel.inspectQueue("drain")?.messageCount, sent - handed.count)
        XCTAssertEqual(handed.map(\.text), (0..<handed.count).map(String.init))
    }

    func testDeletingTheQueueCancelsTheConsumerAndNextDeliverySaysWhich() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareQueue("doomed", durable: false)
        let tag = try channel.consume(queue: "doomed", consumerTag: "flights-consumer-1")
        XCTAssertEqual(tag, "flights-consumer-1")
        let other = try connect()
        try other.openChannel().deleteQueue("doomed")
        XCTAssertThrowsError(try connection.nextDelivery(timeout: 5)) { error in
            guard let error = error as? AMQPError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.kind, .channelClosed)
            XCTAssertTrue(error.description.contains("flights-consumer-1"), error.description)
            XCTAssertFalse(error.isConnectionLost)
        }
        XCTAssertTrue(channel.isOpen, "a cancelled consumer leaves its channel open")
        try channel.declareQueue("next", durable: false)
    }

    func testABrokerClosedChannelWithConsumersIsReportedByNextDelivery() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareQueue("consumed", durable: false)
        try channel.consume(queue: "consumed", consumerTag: "c-1")
        // A publish to a missing exchange makes the broker close the channel, and the consumer with it.
        try channel.publish(message("x", exchange: "missing", routingKey: "k"))
        XCTAssertThrowsError(try connection.nextDelivery(timeout: 5)) { error in
            guard let error = error as? AMQPError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.kind, .channelClosed)
            XCTAssertEqual(error.replyCode, 404)
            XCTAssertTrue(error.description.contains("'c-1'"), error.description)
        }
    }

    func testDirectReplyTo() throws {
        let server = try connect(name: "rpc-server")
        let serving = try server.openChannel()
        try serving.declareQueue("airfleet.flights.queries", durable: false)
        try serving.consume(queue: "airfleet.flights.queries")

        let client = try connect(name: "rpc-client")
        let asking = try client.openChannel()
        try asking.consume(queue: "amq.rabbitmq.reply-to", noAck: true)
        try asking.publish(AMQPOutgoingMessage(
            exchange: "", routingKey: "airfleet.flights.queries", body: Data("search".utf8),
            properties: AMQPProperties(persistent: false, correlationId: "q-1", replyTo: "amq.rabbitmq.reply-to", expiration: "5000")))

        let request = try XCTUnwrap(server.nextDelivery(timeout: 5))
        let replyTo = try XCTUnwrap(request.properties.replyTo)
        XCTAssertTrue(replyTo.hasPrefix("amq.rabbitmq.reply-to."), replyTo)
        // Reply without the mandatory flag: RabbitMQ 3.10 answers a mandatory publish to a
        // reply-to address with basic.return 312 NO_ROUTE although it delivers it.
        let outcome = try serving.publishConfirmed([AMQPOutgoingMessage(
            exchange: "", routingKey: replyTo, body: Data("results".utf8),
            properties: AMQPProperties(persistent: false, correlationId: request.properties.correlationId),
            mandatory: false)])
        XCTAssertEqual(outcome, [.confirmed])
        try serving.ack(request.deliveryTag)

        let reply = try XCTUnwrap(client.nextDelivery(timeout: 5))
        XCTAssertEqual(reply.text, "results")
        XCTAssertEqual(reply.properties.correlationId, "q-1")
        XCTAssertEqual(reply.channel, asking.id)

        let mandatoryOutcome = try serving.publishConfirmed([AMQPOutgoingMessage(
            exchange: "", routingKey: replyTo, body: Data("mandatory".utf8), properties: AMQPProperties(persistent: false))])
        XCTAssertTrue([[.confirmed], [.returned(replyCode: 312, replyText: "NO_ROUTE")]].contains(mandatoryOutcome))
        XCTAssertEqual(try client.nextDelivery(timeout: 5)?.text, "mandatory", "delivered whatever the outcome says")

        // The requesting channel may use confirms too: the request is confirmed once queued.
        XCTAssertEqual(try asking.publishConfirmed([AMQPOutgoingMessage(
            exchange: "", routingKey: "airfleet.flights.queries", body: Data("again".utf8),
            properties: AMQPProperties(persistent: false, correlationId: "q-2", replyTo: "amq.rabbitmq.reply-to"))]),
            [.confirmed])
        let second = try XCTUnwrap(server.nextDelivery(timeout: 5))
        try serving.publish(AMQPOutgoingMessage(
            exchange: "", routingKey: try XCTUnwrap(second.properties.replyTo), body: Data("second".utf8),
            properties: AMQPProperties(persistent: false, correlationId: "q-2"), mandatory: false))
        try serving.ack(second.deliveryTag)
        XCTAssertEqual(try client.nextDelivery(timeout: 5)?.properties.correlationId, "q-2")
    }
}
