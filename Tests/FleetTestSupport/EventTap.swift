import AMQP
import Fleet
import Foundation

/// A queue of the test's own, declared before anything is published, bound to an exchange (the
/// events' by default), or to nothing, to serve as a reply_to queue, so the test sees exactly
/// what was published.
public final class EventTap: @unchecked Sendable {
    /// One message as it arrived, with what its envelope says.
    public struct Received: Sendable {
        public let type: String
        public let subject: String?
        public let correlationId: String?
        public let body: Data

        public func data<M: Decodable>(as type: M.Type) throws -> M {
            try FleetJSON.decoder().decode(Document<M>.self, from: body).data
        }
    }

    private let connection: AMQPConnection
    private let channel: AMQPChannel
    private let queue = "test.events.\(UUID().uuidString.prefix(8).lowercased())"
    public private(set) var received: [Received] = []

    /// - Parameters:
    ///   - bindingKey: the messages it receives (`#` for all); nil binds nothing.
    ///   - exchange: where they travel: events by default, or the commands' or queries' exchange.
    public init(_ fleet: TestFleet, bindingKey: String? = "#", exchange: String = Topology.eventsExchange) throws {
        connection = try AMQPConnection(fleet.configuration.amqp, logger: fleet.logger)
        channel = try connection.openChannel()
        try channel.declareQueue(queue, durable: false, exclusive: true, autoDelete: true)
        if let bindingKey { try channel.bindQueue(queue, exchange: exchange, routingKey: bindingKey) }
    }

    /// The queue's name, to give as reply_to.
    public var name: String { queue }

    public func close() { connection.close() }

    /// Takes what arrived since the last call.
    public func collect() throws {
        while let delivery = try channel.get(queue: queue, noAck: true) {
            let header = try FleetJSON.decoder().decode(EnvelopeHeader.self, from: delivery.body)
            received.append(Received(type: header.type, subject: header.subject,
                                     correlationId: delivery.properties.correlationId, body: delivery.body))
        }
    }

    /// Every event of `type` received so far, decoded.
    public func events<E: Event>(_ type: E.Type) throws -> [E] {
        try collect()
        return try received.filter { $0.type == E.messageType.description }.map { try $0.data(as: E.self) }
    }

    public func types() throws -> [String] {
        try collect()
        return received.map(\.type)
    }

    public func count(_ type: String) throws -> Int {
        try collect()
        return received.filter { $0.type == type }.count
    }

    /// Waits until `count` events of a type arrived; returns them all.
    @discardableResult
    public func wait<E: Event>(for type: E.Type, count: Int = 1, in fleet: TestFleet, timeout: Duration = .seconds(30)) throws -> [E] {
        try fleet.eventually("\(count) \(E.messageType) (have \(try events(E.self).count))", timeout: timeout) {
            try events(E.self).count >= count
        }
        return try events(E.self)
    }

    /// Waits until `count` messages of any type arrived, or `timeout` passed; returns what did.
    public func collect(count: Int, timeout: Duration) throws -> [Received] {
        let deadline = ContinuousClock.now + timeout
        try collect()
        while received.count < count, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            try collect()
        }
        return received
    }

    private struct Document<D: Decodable>: Decodable { let data: D }
}
