import Dispatch
import FleetStatus
import Foundation
import Logging

/// Every context's figures, read as `airfleet status` reads them, on a thread of their own (the
/// reader's connections block). Pages and live streams ask at once; a reading younger than a
/// second is shared instead of asking the broker again.
final class FleetFigures: @unchecked Sendable {
    struct Reading: Codable, Sendable {
        var readAt: Date
        var contexts: [ContextFigures]
    }

    private let settings: ConsoleSettings
    private let logger: Logger
    private let queue = DispatchQueue(label: "airfleet.console.fleet-figures")
    // Touched only on `queue`.
    private var reader: FleetStatusReader?
    private var last: Reading?

    init(settings: ConsoleSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    func read() async throws -> Reading {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try self.readNow() }) }
        }
    }

    private func readNow() throws -> Reading {
        if let last, Date().timeIntervalSince(last.readAt) < 1 { return last }
        do {
            let reader = try self.reader ?? FleetStatusReader(configuration: settings.fleet, management: settings.management,
                                                              connectionName: "airfleet console", logger: logger)
            self.reader = reader
            let reading = Reading(readAt: Date(), contexts: try settings.contexts.map { try reader.figures(of: $0) })
            last = reading
            return reading
        } catch {
            // A broken connection is opened afresh at the next reading.
            reader?.close()
            reader = nil
            throw ConsoleError("the fleet's figures could not be read: \(error)")
        }
    }
}
