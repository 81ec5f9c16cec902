import Bookings
import Contracts
import Customers
import Fleet
import Flights
import Foundation
import Notifications
import Passwords
import Payments

/// The bounded contexts built into this binary, each with its handlers and migrations.
enum Contexts {
    /// Built from the environment, since some contexts read settings of their own
    /// (`AIRFLEET_BCRYPT_COST`, …).
    static func definitions(_ environment: [String: String] = Environment.variables) throws -> [ContextDefinition] {
        [
            CustomersContext.definition(bcryptCost: try PasswordHashing.cost(fromEnvironment: environment))
                .withStartup { configuration, logger in
                    _ = try CustomersContext.ensureAdmin(configuration: configuration, environment: environment, logger: logger)
                },
            FlightsContext.definition(
                holdSweepInterval: try EnvironmentSetting.duration("AIRFLEET_HOLD_SWEEP_INTERVAL", in: environment, default: .seconds(1))),
            BookingsContext.definition(settings: try SagaSettings.bookings(environment)),
            PaymentsContext.definition(gateway: try SagaSettings.gateway(environment), settings: try SagaSettings.payments(environment)),
            try NotificationsContext.definition(settings: try NotificationsContext.settings(environment)),
        ]
    }

    static func topology(_ configuration: FleetConfiguration) throws -> Topology {
        Topology.fleet(settings: configuration.topology, definitions: try definitions())
    }

    /// Every context name the fleet knows: the catalogue's and the built-in ones.
    static func names() throws -> [String] {
        Array(Set(Catalogue.contextNames + (try definitions()).map(\.name))).sorted()
    }
}

/// Settings a context reads beyond the fleet's own.
enum EnvironmentSetting {
    static func duration(_ name: String, in environment: [String: String], default value: Duration) throws -> Duration {
        guard let text = environment[name], !text.isEmpty else { return value }
        return try parseDuration(text, setting: name)
    }
}
