import Contracts
import Fleet
import Foundation
import HTTPDelivery
import Logging
import Postgres
import Settings

/// The Webhooks bounded context: endpoints that admins register, and every event some endpoint
/// wants, POSTed to it signed as Standard Webhooks says, with retries, dead letters and an
/// endpoint disabled after failing too long.
///
/// Events reach its queue through bindings it makes itself from its endpoints' patterns
/// (`EventBindings`); a handler owes each to the endpoints it matches (`EventFanOut`), and the
/// senders of every process deliver them outside any batch (`EndpointSender`).
public enum WebhooksContext {
    public static let name = "webhooks"

    public struct Settings: Sendable {
        /// Encrypts endpoint secrets at rest (`AIRFLEET_WEBHOOK_SECRET_KEY`); a process without it
        /// refuses to start.
        public var secretKey: WebhookSecretKey?
        /// Timeouts, and whether private addresses may be reached (`AIRFLEET_WEBHOOK_ALLOW_PRIVATE`).
        public var delivery: HTTPPoster.Settings
        /// The waits between a delivery's attempts (`AIRFLEET_WEBHOOK_RETRY_LADDER`); after the
        /// last, it is dead-lettered.
        public var retryLadder: RetryLadder
        /// An endpoint whose deliveries have all failed for this long is disabled (`AIRFLEET_WEBHOOK_DISABLE_AFTER`).
        public var disableAfter: Duration
        /// Endpoints one process delivers to at once (`AIRFLEET_WEBHOOK_SENDERS`).
        public var senders: Int
        /// How often an idle sender looks for deliveries due.
        public var pollInterval: Duration = .milliseconds(500)
        /// How often bindings are compared with the endpoints.
        public var bindingsInterval: Duration = .milliseconds(500)
        /// How long a sender holds an endpoint it took before it renews the hold: the longest
        /// an endpoint waits after its sender died. Outlasts one POST.
        public var endpointHold: Duration { delivery.totalTimeout + .seconds(5) }
        /// Deliveries a sender takes for an endpoint at once.
        public var deliveriesPerClaim = 50
        /// How long deliveries made and their events are kept, for the list's counts and replays.
        public var retention: Duration = .seconds(7 * 24 * 3600)

        public static let defaultRetryLadder = RetryLadder(delays: [.seconds(5), .seconds(60), .seconds(600), .seconds(3600),
                                                                     .seconds(6 * 3600), .seconds(12 * 3600)])

        public init(secretKey: WebhookSecretKey? = nil, allowPrivateAddresses: Bool = false,
                    retryLadder: RetryLadder = Self.defaultRetryLadder, disableAfter: Duration = .seconds(24 * 3600),
                    senders: Int = 4, timeout: Duration = .seconds(10)) {
            self.secretKey = secretKey
            self.delivery = HTTPPoster.Settings(connectTimeout: min(.seconds(5), timeout), totalTimeout: timeout,
                                                allowPrivateAddresses: allowPrivateAddresses)
            self.retryLadder = retryLadder
            self.disableAfter = disableAfter
            self.senders = senders
        }

        /// A failing endpoint is left alone for the ladder's first wait before it is tried again.
        var pauseAfterFailure: Duration { retryLadder.delays.first ?? .seconds(5) }
    }

    public static func definition(settings: Settings = Settings()) -> ContextDefinition {
        let endpoints = EndpointHandlers(secretKey: settings.secretKey)
        let queries = WebhookQueries(secretKey: settings.secretKey)
        var registry = HandlerRegistry(context: name)
        registry.handle(RegisterWebhook.self, endpoints.register)
        registry.handle(DeleteWebhook.self, endpoints.delete)
        registry.handle(RotateWebhookSecret.self, endpoints.rotateSecret)
        registry.handle(RedeliverWebhook.self, endpoints.redeliver)
        registry.forwardOtherEvents(EventFanOut.forward)
        registry.answer(ListWebhooks.self, queries.list)
        registry.answer(RevealWebhookSecret.self, queries.revealSecret)
        return ContextDefinition(registry: registry, migrations: migrations())
            .withStartup { _, _ in
                guard settings.secretKey != nil else { throw WebhookSecretKeyError() }
            }
            .withServices { environment in
                let drain = environment.configuration.drainTimeout
                var services = [ThreadService.periodic("\(name)-bindings", drainTimeout: drain, logger: environment.logger) {
                    EventBindings(environment: environment, interval: settings.bindingsInterval, retention: settings.retention)
                }]
                guard let key = settings.secretKey else { return services }
                for index in 0..<settings.senders {
                    services.append(ThreadService.periodic("\(name)-sender-\(index)", drainTimeout: drain, logger: environment.logger) {
                        EndpointSender(settings: settings, secretKey: key, environment: environment, index: index)
                    })
                }
                return services
            }
    }

    /// Reads `AIRFLEET_WEBHOOK_SECRET_KEY`, `AIRFLEET_WEBHOOK_ALLOW_PRIVATE`, `AIRFLEET_WEBHOOK_RETRY_LADDER`,
    /// `AIRFLEET_WEBHOOK_DISABLE_AFTER`, `AIRFLEET_WEBHOOK_SENDERS` and `AIRFLEET_WEBHOOK_TIMEOUT`.
    public static func settings(_ reader: SettingsReader) throws -> Settings {
        var key: WebhookSecretKey?
        if let text = reader.string("AIRFLEET_WEBHOOK_SECRET_KEY", secret: true) {
            do { key = try WebhookSecretKey(base64: text) } catch { throw ConfigurationError("\(error)") }
        }
        var ladder = Settings.defaultRetryLadder
        if let text = reader.string("AIRFLEET_WEBHOOK_RETRY_LADDER") {
            do { ladder = try RetryLadder(parsing: text) } catch { throw ConfigurationError("AIRFLEET_WEBHOOK_RETRY_LADDER: \(error)") }
        }
        let timeout = try reader.duration("AIRFLEET_WEBHOOK_TIMEOUT", default: .seconds(10))
        guard timeout > .zero, timeout <= .seconds(50) else {
            throw ConfigurationError("AIRFLEET_WEBHOOK_TIMEOUT must be above 0 and at most 50s")
        }
        return Settings(secretKey: key, allowPrivateAddresses: try reader.boolean("AIRFLEET_WEBHOOK_ALLOW_PRIVATE", default: false),
                        retryLadder: ladder, disableAfter: try reader.duration("AIRFLEET_WEBHOOK_DISABLE_AFTER", default: .seconds(24 * 3600)),
                        senders: try reader.integer("AIRFLEET_WEBHOOK_SENDERS", default: 4, range: 1...64), timeout: timeout)
    }

    /// The context's SQL migrations, shipped as the target's resources.
    public static func migrations() -> [Migration] {
        Migration.shipped(in: .module, by: "Webhooks")
    }
}
