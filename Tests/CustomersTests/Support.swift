import AMQP
import Contracts
import Fleet
import FleetTestSupport
import Foundation
import Logging

/// A queue of the test's own, bound to every event on `airfleet.events` of the test's virtual
/// host: what the context emitted, as a follower would receive it.
final class EventTap {
    private let connection: AMQPConnection
    private let channel: AMQPChannel
    private let queue = "test.events.\(UUID().uuidString.prefix(8).lowercased())"
    private var received: [(type: String, body: Data)] = []

    init(_ fleet: TestFleet) throws {
        connection = try AMQPConnection(fleet.configuration.amqp, logger: fleet.logger)
        channel = try connection.openChannel()
        try channel.declareQueue(queue, durable: false, exclusive: true, autoDelete: true)
        try channel.bindQueue(queue, exchange: Topology.eventsExchange, routingKey: "#")
    }

    /// Every event of `type` received so far, decoded.
    func events<E: Event>(_ type: E.Type) throws -> [E] {
        while let delivery = try channel.get(queue: queue, noAck: true) {
            received.append((delivery.routingKey, delivery.body))
        }
        return try received.filter { $0.type == E.messageType.description }.map {
            try FleetJSON.decoder().decode(EventDocument<E>.self, from: $0.body).data
        }
    }

    /// Waits until `count` events of `type` arrived, then returns them all.
    func await<E: Event>(_ type: E.Type, count: Int = 1, in fleet: TestFleet) throws -> [E] {
        var found: [E] = []
        try fleet.eventually("\(count) \(E.messageType) event(s) arrive") {
            found = try events(type)
            return found.count >= count
        }
        return found
    }

    func close() { connection.close() }

    private struct EventDocument<E: Decodable>: Decodable { let data: E }
}

/// Keeps every log line of the loggers made from it, for tests that read what was logged.
final class LogCapture: @unchecked Sendable {
    // `lines` is guarded by `lock`.
    private let lock = NSLock()
    private var lines: [String] = []

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { [self] label in Handler(label: label, capture: self) }
        logger.logLevel = .trace
        return logger
    }

    var text: String {
        lock.lock(); defer { lock.unlock() }
        return lines.joined(separator: "\n")
    }

    fileprivate func append(_ line: String) {
        lock.lock(); defer { lock.unlock() }
        lines.append(line)
    }

    private struct Handler: LogHandler {
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        let label: String
        let capture: LogCapture

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append("\(event.level) \(label): \(event.message) " + merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " "))
        }
    }
}

/// A consumer service on a thread of the test process, with a logger of the test's choosing
/// (TestFleet.start uses the fleet's own).
final class ServiceThread: @unchecked Sendable {
    private let service: ConsumerService
    private let finished = DispatchSemaphore(value: 0)
    private var stopped = false

    init(_ definition: ContextDefinition, fleet: TestFleet, logger: Logger) throws {
        service = ConsumerService(definition: definition, topology: fleet.topology, configuration: fleet.configuration, logger: logger)
        let service = self.service, finished = self.finished
        Thread {
            do { try service.run() } catch { logger.error("service failed: \(error)") }
            finished.signal()
        }.start()
        try fleet.eventually("the customers consumers are on their queues", timeout: .seconds(30)) {
            try fleet.queueState(Topology.queue(of: definition.name)).consumerCount > 0
                && fleet.queueState(Topology.queryQueue(of: definition.name)).consumerCount > 0
        }
    }

    func stop() {
        guard !stopped else { return }
        stopped = true
        service.stop()
        _ = finished.wait(timeout: .now() + 30)
    }
}
