import Bookings
import Contracts
import Customers
import Fleet
import Flights
import Foundation
import Notifications
import Passwords
import Payments
import Webhooks

/// The bounded contexts built into this binary, each with its handlers and migrations.
enum Contexts {
    /// The definitions of this process's settings, built once: a command asks for them (and for
    /// the topology and names made of them) several times.
    static func definitions() throws -> [ContextDefinition] { try ofEnvironment.get() }

    private static let ofEnvironment = Result { try definitions(Environment.settings) }

    /// Built from the settings, since some contexts read settings of their own
    /// (`AIRFLEET_BCRYPT_COST`, …).
    static func definitions(_ settings: SettingsReader) throws -> [ContextDefinition] {
        let fleet = try FleetConfiguration.read(settings)
        return [
            CustomersContext.definition(bcryptCost: try PasswordHashing.cost(reading: settings))
                .withStartup { configuration, logger in
                    _ = try CustomersContext.ensureAdmin(configuration: configuration, settings: settings, logger: logger)
                },
            FlightsContext.definition(
                holdSweepInterval: try settings.duration("AIRFLEET_HOLD_SWEEP_INTERVAL", default: .seconds(1))),
            BookingsContext.definition(settings: try SagaSettings.bookings(settings)),
            PaymentsContext.definition(gateway: try SagaSettings.gateway(settings, fleet: fleet),
                                       settings: try SagaSettings.payments(settings, fleet: fleet)),
            try NotificationsContext.definition(settings: try NotificationsContext.settings(settings)),
            WebhooksContext.definition(settings: try WebhooksContext.settings(settings)),
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
