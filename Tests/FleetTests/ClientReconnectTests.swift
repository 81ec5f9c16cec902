import AMQP
import Foundation
import Logging
import TestServers
import XCTest

@testable import Fleet

/// A client lane whose connection drops connects again at once (in a cluster, to another node);
/// a publish or a reply queue asked for meanwhile waits for that connection instead of failing,
/// so the ingress answers 503 only while no node answers.
final class ClientReconnectTests: XCTestCase {
    func testAPublishAskedWhileTheConnectionIsMadeAgainWaitsForItInsteadOfFailing() async throws {
        let name = "sender-reconnect-\(UUID().uuidString.prefix(8))"
        let amqp = try AMQPConfiguration(url: try TestServers.amqpURL()).withConnectionName(name)
        let logger = Logger(label: "test")
        let setup = try AMQPConnection(amqp, logger: logger)
        defer { setup.close() }
        let channel = try setup.openChannel()
        _ = try channel.declareQueue(name, durable: false, autoDelete: false)
        defer { _ = try? channel.deleteQueue(name) }

        let sender = SenderLane(amqp: amqp, topology: nil, patience: .seconds(5), logger: logger)
        sender.start()
        defer { sender.shutdown() }
        try await eventually("the sender connects") { sender.isConnected }

        try closeConnection(named: "\(name) publisher")
        try await eventually("the sender notices the loss") { !sender.isConnected }
        let message = AMQPOutgoingMessage(exchange: "", routingKey: name, body: Data("asked while reconnecting".utf8))
        let outcome = try await sender.publish(message)

        XCTAssertEqual(outcome, .confirmed)
        XCTAssertTrue(sender.isConnected)
        XCTAssertEqual(try channel.declareQueue(name, durable: false, autoDelete: false).messageCount, 1)
    }

    func testARequestForTheReplyQueueWhileItIsMadeAgainGetsTheNewOne() async throws {
        let name = "replies-reconnect-\(UUID().uuidString.prefix(8))"
        let amqp = try AMQPConfiguration(url: try TestServers.amqpURL()).withConnectionName(name)
        let replies = ReplyLane(amqp: amqp, patience: .seconds(5), logger: Logger(label: "test"))
        replies.start()
        defer { replies.shutdown() }
        try await eventually("the reply queue exists") { replies.queueName != nil }
        let first = replies.queueName

        try closeConnection(named: "\(name) replies")
        try await eventually("the lane notices the loss") { replies.queueName == nil }
        let next = await replies.currentQueueName()

        XCTAssertNotNil(next, "it waited for the new connection's queue")
        XCTAssertNotEqual(next, first)
    }

    func testTheWaitRunsFromTheLossAndNobodyWaitsBeforeTheFirstConnection() {
        let window = ReconnectWindow(patience: .seconds(2))
        let start = ContinuousClock.now
        XCTAssertNil(window.deadline(at: start), "never connected: fail at once")
        window.lost(at: start)
        window.lost(at: start + .seconds(1)) // a failed attempt does not restart the window
        XCTAssertEqual(window.deadline(at: start + .milliseconds(1500)), start + .seconds(2))
        XCTAssertNil(window.deadline(at: start + .seconds(3)), "gone too long: fail at once")
        window.connected()
        XCTAssertNil(window.deadline(at: start + .seconds(3)))
        window.lost(at: start + .seconds(10))
        XCTAssertEqual(window.deadline(at: start + .seconds(10)), start + .seconds(12))
    }

    /// Closes a client connection from the broker's side, as a node that goes away does.
    private func closeConnection(named connectionName: String) throws {
        let api = try ManagementAPI(baseURL: try TestServers.managementURL())
        var found: String?
        let deadline = Date() + 30
        while found == nil, Date() < deadline {
            let connections = try api.json("/api/connections?columns=name,client_properties") as? [[String: Any]] ?? []
            found = connections.first { ($0["client_properties"] as? [String: Any])?["connection_name"] as? String == connectionName }?["name"] as? String
            if found == nil { Thread.sleep(forTimeInterval: 0.5) }
        }
        guard let found, let path = found.addingPercentEncoding(withAllowedCharacters: .alphanumerics) else {
            throw TestFailure("no connection named '\(connectionName)' in the management API")
        }
        try api.send("DELETE", "/api/connections/\(path)")
    }

    private func eventually(_ what: String, timeout: Duration = .seconds(30), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TestFailure("timed out after \(timeout): \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

private struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
