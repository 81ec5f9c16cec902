import AMQP
import TestServers
import Foundation
import Logging
import XCTest

/// Base of the broker tests: each test gets a virtual host of its own, deleted afterwards,
/// so no test sees another's queues.
class AMQPTestCase: XCTestCase {
    private(set) var virtualHost = ""
    private(set) var configuration = AMQPConfiguration()
    let logger = Logger(label: "amqp-tests")

    override func setUpWithError() throws {
        try super.setUpWithError()
        let made = try TestServers.makeVirtualHost("amqp")
        virtualHost = made.name
        configuration = try AMQPConfiguration(url: made.url).withConnectionName("amqp-tests \(name)")
    }

    override func tearDown() {
        if !virtualHost.isEmpty { TestServers.deleteVirtualHost(virtualHost) }
        super.tearDown()
    }

    func connect(heartbeat: Int? = nil, name: String? = nil) throws -> AMQPConnection {
        var settings = configuration
        if let heartbeat { settings.heartbeat = heartbeat }
        if let name { settings.connectionName = name }
        return try AMQPConnection(settings, logger: logger)
    }

    func message(_ body: String, exchange: String = "", routingKey: String, id: String? = nil,
                 persistent: Bool = true, mandatory: Bool = true, properties: AMQPProperties? = nil) -> AMQPOutgoingMessage {
        var props = properties ?? AMQPProperties(messageId: id)
        props.persistent = persistent
        return AMQPOutgoingMessage(exchange: exchange, routingKey: routingKey, body: Data(body.utf8),
                                   properties: props, mandatory: mandatory)
    }

    /// Reads deliveries until `count` arrived or `timeout` seconds passed.
    func read(_ count: Int, from connection: AMQPConnection, timeout: Double = 10) throws -> [AMQPDelivery] {
        let end = Date().addingTimeInterval(timeout)
        var deliveries: [AMQPDelivery] = []
        while deliveries.count < count, Date() < end {
            if let delivery = try connection.nextDelivery(timeout: end.timeIntervalSinceNow) { deliveries.append(delivery) }
        }
        return deliveries
    }

    /// Polls basic.get until a message arrives or `timeout` seconds passed.
    func poll(_ queue: String, on channel: AMQPChannel, timeout: Double = 10) throws -> AMQPDelivery? {
        let end = Date().addingTimeInterval(timeout)
        repeat {
            if let delivery = try channel.get(queue: queue, noAck: true) { return delivery }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < end
        return nil
    }

    func managementAPI() throws -> ManagementAPI {
        try ManagementAPI(baseURL: try TestServers.managementURL())
    }
}

extension AMQPDelivery {
    var text: String { String(decoding: body, as: UTF8.self) }
}
