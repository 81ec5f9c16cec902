import Bookings
import Fleet
import Foundation
import Logging
import Payments

/// The settings of the booking saga and of payments, read from the environment.
enum SagaSettings {
    static func bookings(_ environment: [String: String]) throws -> BookingSettings {
        let holdTime = try EnvironmentSetting.duration("AIRFLEET_BOOKING_HOLD_TIME", in: environment, default: .seconds(600))
        guard holdTime >= .seconds(1), holdTime <= .seconds(3600) else {
            throw ConfigurationError("AIRFLEET_BOOKING_HOLD_TIME must be 1s to 1h (flights holds seats at most an hour)")
        }
        return BookingSettings(
            holdTime: holdTime,
            stepTimeout: try EnvironmentSetting.duration("AIRFLEET_BOOKING_STEP_TIMEOUT", in: environment, default: .seconds(120)),
            timeoutSweepInterval: try EnvironmentSetting.duration("AIRFLEET_BOOKING_TIMEOUT_SWEEP_INTERVAL", in: environment,
                                                                  default: .seconds(1)))
    }

    static func payments(_ environment: [String: String]) throws -> PaymentsContext.Settings {
        let failures = environment["AIRFLEET_PAYMENT_BREAKER_FAILURES"].flatMap { $0.isEmpty ? nil : $0 }
        guard let threshold = Int(failures ?? "5"), (1...1000).contains(threshold) else {
            throw ConfigurationError("AIRFLEET_PAYMENT_BREAKER_FAILURES must be a whole number from 1 to 1000")
        }
        return PaymentsContext.Settings(
            breakerFailures: threshold,
            breakerCoolDown: try EnvironmentSetting.duration("AIRFLEET_PAYMENT_BREAKER_COOLDOWN", in: environment, default: .seconds(30)),
            maxDeliveries: try FleetConfiguration.fromEnvironment(environment).topology.retryLadder.maxAttempts)
    }

    /// The provider named by `AIRFLEET_PAYMENT_GATEWAY`; the sandbox is the only one built in.
    static func gateway(_ environment: [String: String]) throws -> any PaymentGateway {
        let name = environment["AIRFLEET_PAYMENT_GATEWAY"].flatMap { $0.isEmpty ? nil : $0 } ?? "sandbox"
        guard name == "sandbox" else {
            throw ConfigurationError("AIRFLEET_PAYMENT_GATEWAY: unknown provider '\(name)'; this build has: sandbox")
        }
        let configuration = try FleetConfiguration.fromEnvironment(environment)
        return SandboxGateway(
            database: try configuration.database(for: PaymentsContext.name), schema: configuration.schema(for: PaymentsContext.name),
            settings: SandboxGateway.Settings(
                latency: try EnvironmentSetting.duration("AIRFLEET_SANDBOX_LATENCY", in: environment, default: .milliseconds(20)),
                clientTimeout: try EnvironmentSetting.duration("AIRFLEET_PAYMENT_TIMEOUT", in: environment, default: .seconds(10))),
            logger: Logger(label: "airfleet.payments.sandbox"))
    }
}
