@testable import AMQP
import TestServers
import Foundation
import XCTest

final class ConnectionTests: AMQPTestCase {
    func testConnectsAndShowsItsNameInTheManagementUI() throws {
        let name = "amqp-tests-\(UUID().uuidString.prefix(8))"
        let connection = try connect(name: name)
        XCTAssertTrue(connection.isOpen)
        let api = try managementAPI()
        let end = Date().addingTimeInterval(15)
        var names: [String] = []
        repeat {
            let listed = try api.json("/api/vhosts/\(virtualHost)/connections") as? [[String: Any]] ?? []
            names = listed.compactMap { ($0["client_properties"] as? [String: Any])?["connection_name"] as? String }
            if names.contains(name) { break }
            Thread.sleep(forTimeInterval: 0.5)
        } while Date() < end
        XCTAssertTrue(names.contains(name), "connection names listed: \(names)")
    }

    func testWrongPasswordIsAConnectionFailureThatNamesTheUser() throws {
        var settings = configuration
        settings.password = "not-the-password"
        XCTAssertThrowsError(try AMQPConnection(settings, logger: logger)) { error in
            guard let error = error as? AMQPError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.kind, .connectionFailed)
            XCTAssertTrue(error.isConnectionLost)
            XCTAssertTrue(error.description.contains("'\(settings.user)'"), error.description)
            XCTAssertFalse(error.description.contains("not-the-password"), error.description)
        }
    }

    func testUnknownVirtualHostIsAConnectionFailureThatNamesIt() throws {
        XCTAssertThrowsError(try AMQPConnection(configuration.withVirtualHost("no-such-vhost-\(UUID())"), logger: logger)) { error in
            guard let error = error as? AMQPError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.kind, .connectionFailed)
            XCTAssertTrue(error.description.contains("no-such-vhost"), error.description)
        }
    }

    func testNothingListeningFailsFastWithTheAddress() throws {
        var settings = configuration
        settings.port = 1
        let start = Date()
        XCTAssertThrowsError(try AMQPConnection(settings, logger: logger)) { error in
            guard let error = error as? AMQPError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.kind, .connectionFailed)
            XCTAssertTrue(error.description.contains("\(settings.host):1"), error.description)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), settings.connectTimeout + 1)
    }

    func testANodeThatDoesNotAnswerIsPassedOverForTheNextAndTheNextConnectionStartsThere() throws {
        var cluster = configuration
        let live = AMQPConfiguration.Node(host: configuration.host, port: configuration.port)
        let dead = AMQPConfiguration.Node(host: configuration.host, port: 1)
        (cluster.host, cluster.port, cluster.otherNodes) = (dead.host, dead.port, [live])
        for _ in 1...3 {
            let connection = try AMQPConnection(cluster, logger: logger)
            XCTAssertEqual(connection.configuration.nodes, [live], "the connection names the node it reached")
            let channel = try connection.openChannel()
            try channel.declareQueue("failover", durable: false, exclusive: true)
            connection.close()
            XCTAssertEqual(NodeFailover.order(cluster.nodes).first, live, "the process goes to the node that answered first")
        }
    }

    func testWhenNoNodeAnswersTheErrorNamesEach() {
        var cluster = configuration
        (cluster.port, cluster.otherNodes) = (1, [AMQPConfiguration.Node(host: configuration.host, port: 2)])
        XCTAssertThrowsError(try AMQPConnection(cluster, logger: logger)) { error in
            guard let error = error as? AMQPError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.kind, .connectionFailed)
            XCTAssertTrue(error.description.contains("none of the 2 nodes answered"), error.description)
            XCTAssertTrue(error.description.contains("\(configuration.host):1") && error.description.contains("\(configuration.host):2"), error.description)
        }
    }

    func testCloseIsIdempotentAndLaterOperationsSayTheConnectionIsGone() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        connection.close()
        connection.close()
        XCTAssertFalse(connection.isOpen)
        XCTAssertFalse(channel.isOpen)
        XCTAssertThrowsError(try channel.declareQueue("after-close")) { error in
            guard let error = error as? AMQPError else { return XCTFail("\(error)") }
            XCTAssertTrue(error.isConnectionLost)
            XCTAssertTrue(error.description.hasPrefix("declare queue 'after-close' failed"), error.description)
        }
        XCTAssertThrowsError(try connection.openChannel())
        XCTAssertThrowsError(try connection.nextDelivery(timeout: 0))
    }

    func testChannelNumbersAreReusedAfterClose() throws {
        let connection = try connect()
        let first = try connection.openChannel()
        let second = try connection.openChannel()
        XCTAssertEqual([first.id, second.id], [1, 2])
        first.close()
        XCTAssertFalse(first.isOpen)
        XCTAssertThrowsError(try first.declareQueue("closed")) { error in
            XCTAssertEqual((error as? AMQPError)?.kind, .invalidState)
        }
        let third = try connection.openChannel()
        XCTAssertEqual(third.id, 1)
        try third.declareQueue("works", durable: false)
    }

    func testDroppingAChannelObjectClosesTheChannel() throws {
        let connection = try connect()
        do {
            let channel = try connection.openChannel()
            try channel.declareQueue("dropped", durable: false)
            try channel.consume(queue: "dropped")
        }
        // The close-ok of the dropped channel is read by the next operation; its number is then free again.
        let other = try connection.openChannel()
        XCTAssertEqual(other.id, 2)
        XCTAssertEqual(try other.inspectQueue("dropped")?.consumerCount, 0)
        XCTAssertEqual(try connection.openChannel().id, 1)
    }

    // MARK: - Heartbeats

    func testIdleConnectionThatServicesHeartbeatsStaysOpen() throws {
        let connection = try connect(heartbeat: 1)
        XCTAssertEqual(connection.negotiatedHeartbeat, 1)
        let channel = try connection.openChannel()
        let end = Date().addingTimeInterval(4.5)
        while Date() < end {
            try connection.serviceHeartbeats()
            Thread.sleep(forTimeInterval: 0.5)
        }
        XCTAssertTrue(connection.isOpen)
        XCTAssertNoThrow(try channel.declareQueue("still-here", durable: false))
    }

    /// The control for the test above: without serviceHeartbeats the broker drops the same
    /// connection, and the next operation says the connection is lost.
    func testIdleConnectionThatIgnoresHeartbeatsIsDropped() throws {
        let connection = try connect(heartbeat: 1)
        let channel = try connection.openChannel()
        Thread.sleep(forTimeInterval: 4.5)
        XCTAssertThrowsError(try channel.declareQueue("too-late", durable: false)) { error in
            guard let error = error as? AMQPError else { return XCTFail("\(error)") }
            XCTAssertTrue(error.isConnectionLost, error.description)
        }
        XCTAssertFalse(connection.isOpen)
    }

    func testPublisherThatServicesHeartbeatsIsNotDropped() throws {
        let connection = try connect(heartbeat: 1)
        let channel = try connection.openChannel()
        try channel.declareQueue("published", durable: false)
        XCTAssertEqual(try channel.publishConfirmed([message("before", routingKey: "published")]), [.confirmed])
        let end = Date().addingTimeInterval(4.5)
        while Date() < end {
            try connection.serviceHeartbeats()
            Thread.sleep(forTimeInterval: 0.5)
        }
        XCTAssertEqual(try channel.publishConfirmed([message("after", routingKey: "published")]), [.confirmed])
        XCTAssertEqual(try channel.inspectQueue("published")?.messageCount, 2)
    }

    // MARK: - Broker restart

    func testBrokerRestartIsReportedAsConnectionLostAndANewConnectionWorks() throws {
        let connection = try connect()
        let channel = try connection.openChannel()
        try channel.declareQueue("survives", durable: true)
        XCTAssertEqual(try channel.publishConfirmed([message("kept", routingKey: "survives")]), [.confirmed])
        let consumer = try connect()
        let consuming = try consumer.openChannel()
        try consuming.declareQueue("idle", durable: true)
        try consuming.consume(queue: "idle")

        try TestServers.restartBroker()

        let start = Date()
        XCTAssertThrowsError(try channel.declareQueue("after-restart")) { error in
            guard let error = error as? AMQPError else { return XCTFail("\(error)") }
            XCTAssertTrue(error.isConnectionLost, error.description)
        }
        XCTAssertThrowsError(try consumer.nextDelivery(timeout: 30)) { error in
            XCTAssertTrue((error as? AMQPError)?.isConnectionLost ?? false, "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "losing the connection must be noticed at once, not hang")
        XCTAssertFalse(connection.isOpen)
        XCTAssertFalse(consumer.isOpen)

        var fresh: AMQPConnection?
        var lastError: Error?
        let end = Date().addingTimeInterval(60)
        while fresh == nil, Date() < end {
            do { fresh = try connect() } catch {
                lastError = error
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        let reconnected = try XCTUnwrap(fresh, "no connection within 60 s after the restart: \(String(describing: lastError))")
        let reopened = try reconnected.openChannel()
        XCTAssertEqual(try reopened.inspectQueue("survives")?.messageCount, 1)
    }
}
