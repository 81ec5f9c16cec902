import ArgumentParser
import Contracts
import Fleet
import Flights
import Foundation

struct SeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Publish a believable flight schedule between the seeded airports.",
        discussion: """
            Publishes flight.schedule.v1 commands for every route and day from today on; the flights \
            context schedules them. Flight ids depend only on the seed, the flight number and the local \
            date, so seeding again (or for more days) schedules nothing twice.
            """)

    @Option(help: "How many days of schedule, from today.")
    var days: Int = 14

    @Option(help: "Another seed gives another network of routes.")
    var seed: UInt64 = 1

    func validate() throws {
        guard (1...365).contains(days) else { throw ValidationError("--days must be from 1 to 365") }
    }

    func run() throws {
        let configuration = try Environment.load()
        let commands = FlightSchedule.generate(days: days, startingAt: Date(), seed: seed)
        let publisher = try Publisher(amqp: configuration.amqp, topology: try Contexts.topology(configuration),
                                      source: "airfleet/seed", logger: Environment.logger)
        defer { publisher.close() }
        var published = 0
        for start in stride(from: 0, to: commands.count, by: 500) {
            let batch = try commands[start..<min(start + 500, commands.count)].map { command in
                try OutgoingMessage.make(command, source: "airfleet/seed", subject: command.flightId.lowercasedString)
            }
            let receipts = try publisher.publish(batch)
            if let unroutable = receipts.first(where: { $0.outcome != .delivered }) {
                throw CommandFailure("\(unroutable.type) was not delivered: \(unroutable.outcome); run airfleet topology declare")
            }
            published += batch.count
        }
        print("published \(published) flight.schedule.v1 commands for \(days) days; the flights context schedules them")
    }
}
