import Contracts
import Fleet
import Foundation
import Postgres

/// The Payments bounded context: charges and refunds through a `PaymentGateway`, once per
/// booking, behind a circuit breaker shared by the process's handlers.
public enum PaymentsContext {
    public static let name = "payments"

    public struct Settings: Sendable {
        /// Failures in a row that open the breaker (`AIRFLEET_PAYMENT_BREAKER_FAILURES`).
        public var breakerFailures: Int
        /// How long it stays open before a trial call (`AIRFLEET_PAYMENT_BREAKER_COOLDOWN`).
        public var breakerCoolDown: Duration
        /// Calls within one delivery, with jittered exponential backoff between them.
        public var retry: RetryPolicy
        /// Deliveries of a charge before it fails as `retries-exhausted`: the retry ladder's length + 1.
        public var maxDeliveries: Int
        /// A charge waits for an open breaker only if the breaker lets calls through at least this
        /// long before the booking's hold runs out: time for the call and the seats' confirmation.
        public var holdMargin: Duration

        public init(breakerFailures: Int = 5, breakerCoolDown: Duration = .seconds(30), retry: RetryPolicy = RetryPolicy(),
                    maxDeliveries: Int = RetryLadder.standard.maxAttempts, holdMargin: Duration = .seconds(10)) {
            self.breakerFailures = breakerFailures
            self.breakerCoolDown = breakerCoolDown
            self.retry = retry
            self.maxDeliveries = maxDeliveries
            self.holdMargin = holdMargin
        }
    }

    /// - Parameter gateway: the provider; one definition, one circuit breaker.
    public static func definition(gateway: any PaymentGateway, settings: Settings = Settings()) -> ContextDefinition {
        let coolDown = settings.breakerCoolDown.components
        let breaker = CircuitBreaker(failureThreshold: settings.breakerFailures,
                                     coolDown: Double(coolDown.seconds) + Double(coolDown.attoseconds) / 1e18)
        let calls = GatewayCalls(breaker: breaker, policy: settings.retry)
        var registry = HandlerRegistry(context: name)
        let concurrent = ConcurrentCharges(gateway: gateway, calls: calls)
        registry.handle(ChargePayment.self, ChargeHandler(gateway: gateway, calls: calls, maxDeliveries: settings.maxDeliveries,
                                                          holdMargin: Double(settings.holdMargin.milliseconds) / 1000,
                                                          prepared: concurrent).handle)
        registry.handle(RefundPayment.self, RefundHandler(gateway: gateway, calls: calls).handle)
        registry.answer(GetPayment.self, PaymentQueries.get)
        return ContextDefinition(registry: registry, migrations: migrations()).withBeforeBatch(concurrent.prepare)
            .withConcurrentCalls(ConcurrentCharges.maximumConcurrentCalls)
    }

    /// The context's SQL migrations, shipped as the target's resources.
    public static func migrations() -> [Migration] {
        Migration.shipped(in: .module, by: "Payments")
    }
}
