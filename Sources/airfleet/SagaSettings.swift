import Bookings
import Fleet
import Foundation
import Logging
import Payments

/// The settings of the booking saga and of payments, read from the environment.
enum SagaSettings {
    static func bookings(_ settings: SettingsReader) throws -> BookingSettings {
        let holdTime = try settings.duration("AIRFLEET_BOOKING_HOLD_TIME", default: .seconds(600))
        guard holdTime >= .seconds(1), holdTime <= .seconds(3600) else {
            throw ConfigurationError("AIRFLEET_BOOKING_HOLD_TIME must be 1s to 1h (flights holds seats at most an hour)")
        }
        return BookingSettings(
            holdTime: holdTime,
            stepTimeout: try settings.duration("AIRFLEET_BOOKING_STEP_TIMEOUT", default: .seconds(120)),
            timeoutSweepInterval: try settings.duration("AIRFLEET_BOOKING_TIMEOUT_SWEEP_INTERVAL", default: .seconds(1)))
    }

    static func payments(_ settings: SettingsReader, fleet: FleetConfiguration) throws -> PaymentsContext.Settings {
        PaymentsContext.Settings(
            breakerFailures: try settings.integer("AIRFLEET_PAYMENT_BREAKER_FAILURES", default: 5, range: 1...1000),
            breakerCoolDown: try settings.duration("AIRFLEET_PAYMENT_BREAKER_COOLDOWN", default: .seconds(30)),
            maxDeliveries: fleet.topology.retryLadder.maxAttempts)
    }

    /// The provider named by `AIRFLEET_PAYMENT_GATEWAY`; the sandbox is the only one built in.
    static func gateway(_ settings: SettingsReader, fleet configuration: FleetConfiguration) throws -> any PaymentGateway {
        let name = settings.string("AIRFLEET_PAYMENT_GATEWAY", default: "sandbox")
        guard name == "sandbox" else {
            throw ConfigurationError("AIRFLEET_PAYMENT_GATEWAY: unknown provider '\(name)'; this build has: sandbox")
        }
        return SandboxGateway(
            database: try configuration.database(for: PaymentsContext.name), schema: configuration.schema(for: PaymentsContext.name),
            settings: SandboxGateway.Settings(
                latency: try settings.duration("AIRFLEET_SANDBOX_LATENCY", default: .milliseconds(20)),
                clientTimeout: try settings.duration("AIRFLEET_PAYMENT_TIMEOUT", default: .seconds(10))),
            logger: Logger(label: "airfleet.payments.sandbox"))
    }
}
