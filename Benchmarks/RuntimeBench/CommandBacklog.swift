import Fleet
import Flights
import Foundation
import Logging

/// Puts a backlog of real commands on the flights context's queue: the seeded schedule's
/// `flight.schedule.v1` commands over again. Each is work for the flights processes (a lookup
/// and an idempotent no-op) while search queries must still be answered.
enum CommandBacklog {
    static func publish(_ count: Int) throws -> Duration {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let configuration = try FleetConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
        let schedule = FlightSchedule.generate(days: 14, startingAt: Date(), seed: 1)
        guard !schedule.isEmpty else { throw FleetError("the seeded schedule is empty") }
        let publisher = try Publisher(amqp: configuration.amqp, topology: nil, source: "airfleet/bench", logger: logger)
        defer { publisher.close() }
        let started = ContinuousClock.now
        for start in stride(from: 0, to: count, by: 500) {
            let batch = try (start..<min(start + 500, count)).map { index in
                let command = schedule[index % schedule.count]
                return try OutgoingMessage.make(command, source: "airfleet/bench", subject: command.flightId.lowercasedString)
            }
            if let lost = try publisher.publish(batch).first(where: { $0.outcome != .delivered }) {
                throw FleetError("\(lost.type) was not delivered: \(lost.outcome); is the fleet's topology declared?")
            }
        }
        return ContinuousClock.now - started
    }
}
