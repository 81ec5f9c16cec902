import AMQP
import Contracts
import Fleet
import FleetStatus
import Foundation
import Settings

/// The fleet the console reports on: its queues, databases and management API.
///
/// The ingress reads them from its environment, as `airfleet status` does, with the broker the
/// ingress itself uses. A process that serves the ingress of another fleet (the tests) sets
/// `current` around building the router.
public struct ConsoleSettings: Sendable {
    public var fleet: FleetConfiguration
    public var contexts: [String]
    public var management: ManagementClient?

    public init(fleet: FleetConfiguration, contexts: [String] = Catalogue.contextNames.sorted(), management: ManagementClient?) {
        self.fleet = fleet
        self.contexts = contexts
        self.management = management
    }

    @TaskLocal public static var current: ConsoleSettings?

    /// `current`, or the process's environment with the ingress's broker; nil with the reason
    /// when the environment's settings cannot be read.
    static func resolve(amqp: AMQPConfiguration) -> Result<ConsoleSettings, Error> {
        if let current { return .success(current) }
        return Result {
            let settings = SettingsReader(environment: ProcessInfo.processInfo.environment)
            var fleet = try FleetConfiguration.read(settings)
            fleet.amqp = amqp
            return ConsoleSettings(fleet: fleet, management: ManagementClient(settings))
        }
    }
}
