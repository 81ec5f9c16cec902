import AMQP
import Contracts
import Fleet
import FleetTestSupport
import Foundation
import Logging

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
        Task {
            do { try await service.run() } catch { logger.error("service failed: \(error)") }
            finished.signal()
        }
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
