import ArgumentParser
import Fleet
import Foundation
import Logging

@main
struct Airfleet: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "airfleet",
        abstract: "The Airfleet booking platform: consumer processes, topology and operations.",
        discussion: """
            Every command reads its settings from the environment: AIRFLEET_AMQP_URL, AIRFLEET_DATABASE_URL \
            (or AIRFLEET_<CONTEXT>_DATABASE_URL), AIRFLEET_SCHEMA_PREFIX, AIRFLEET_RETRY_LADDER, \
            AIRFLEET_DELIVERY_LIMIT and the others listed in the README.
            """,
        version: version,
        subcommands: [TopologyCommand.self, MigrateCommand.self, ConsumeCommand.self, IngressCommand.self, PublishCommand.self,
                      DeadLetterCommand.self, StatusCommand.self, SeedCommand.self, UserCommand.self, NotificationsCommand.self,
                      ConfigCommand.self, VersionCommand.self])
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print("airfleet \(Airfleet.version)")
    }
}

/// Settings and logging every subcommand starts from.
enum Environment {
    static func load() throws -> FleetConfiguration {
        FleetLogHandler.bootstrap(settings: settings)
        do {
            _ = try FleetLogHandler.format(settings)
            return try FleetConfiguration.read(settings)
        } catch {
            throw CommandFailure("\(error)")
        }
    }

    static var logger: Logger { Logger(label: "airfleet") }

    /// A broker client of the command `name`, started and connected; the caller shuts it down.
    static func connectedClient(_ name: String, _ configuration: FleetConfiguration) async throws -> BrokerClient {
        let client = BrokerClient(amqp: configuration.amqp.withConnectionName(name), topology: try Contexts.topology(configuration),
                                  source: "airfleet/cli", logger: logger)
        client.start()
        guard await client.waitUntilReady(timeout: .seconds(10)) else {
            client.shutdown()
            throw CommandFailure("RabbitMQ at \(configuration.amqp.redactedURLs) did not answer within 10 s; nothing was published")
        }
        return client
    }

    /// Every setting of the process is read through this one reader, from the variables the
    /// process was started with; it remembers what it read for `airfleet config show`.
    static let settings = SettingsReader(environment: ProcessInfo.processInfo.environment)
}

/// A failure while a command runs (not a mistake in its arguments), printed without the usage.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
