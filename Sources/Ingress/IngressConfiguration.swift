import AMQP
import Contracts
import Fleet
import Foundation
import Passwords

/// What an ingress process is told by its environment.
public struct IngressConfiguration: Sendable {
    public var amqp: AMQPConfiguration
    public var host: String
    public var port: Int
    /// Signs and checks access tokens (HS256). Every ingress of a fleet needs the same one.
    public var jwtSecret: String
    public var tokenLifetime: Duration
    /// Request bodies larger than this are refused with 413.
    public var maximumBodyBytes: Int
    /// The longest `Prefer: wait=N` honoured; longer asks are cut to it.
    public var maximumWait: Duration
    /// How long a read waits for its context's answer before 504.
    public var queryTimeout: Duration
    /// The longest a flight search answer is reused when no flight event has changed it; zero
    /// asks the flights context every time.
    public var searchFreshness: Duration
    /// Requests per second each client may make on average, and in a burst; nil turns limiting off.
    public var rateLimit: RateLimit?
    public var bcryptCost: Int
    /// Whether a webhook endpoint may name a loopback, private or link-local address outright
    /// (`http://127.0.0.1/…`, `localhost`); deliveries refuse such addresses anyway unless the
    /// fleet allows them, so without this the ingress refuses them at registration.
    public var allowPrivateWebhookAddresses: Bool
    /// Connection name prefix and envelope `source`.
    public var source: String

    public struct RateLimit: Sendable, Equatable {
        public var perSecond: Double
        public var burst: Int
        public init(perSecond: Double, burst: Int) {
            self.perSecond = perSecond
            self.burst = burst
        }

        /// As `AIRFLEET_RATE_LIMIT` spells it: `20/s,40`.
        public var description: String {
            "\(perSecond == perSecond.rounded() ? String(Int(perSecond)) : String(perSecond))/s,\(burst)"
        }
    }

    public static let minimumSecretBytes = 32

    public init(amqp: AMQPConfiguration, host: String = "127.0.0.1", port: Int = 8080, jwtSecret: String,
                tokenLifetime: Duration = .seconds(3600), maximumBodyBytes: Int = 64 * 1024,
                maximumWait: Duration = .seconds(30), queryTimeout: Duration = .seconds(5), searchFreshness: Duration = .seconds(1),
                rateLimit: RateLimit? = RateLimit(perSecond: 20, burst: 40), bcryptCost: Int = PasswordHashing.defaultCost,
                allowPrivateWebhookAddresses: Bool = false, source: String = "airfleet/ingress") {
        self.amqp = amqp
        self.host = host
        self.port = port
        self.jwtSecret = jwtSecret
        self.tokenLifetime = tokenLifetime
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumWait = maximumWait
        self.queryTimeout = queryTimeout
        self.searchFreshness = searchFreshness
        self.rateLimit = rateLimit
        self.bcryptCost = bcryptCost
        self.allowPrivateWebhookAddresses = allowPrivateWebhookAddresses
        self.source = source
    }

    /// Reads `AIRFLEET_AMQP_URL`, `AIRFLEET_HTTP_HOST`, `AIRFLEET_HTTP_PORT`, `AIRFLEET_JWT_SECRET`,
    /// `AIRFLEET_TOKEN_LIFETIME`, `AIRFLEET_HTTP_MAX_BODY`, `AIRFLEET_HTTP_MAX_WAIT`,
    /// `AIRFLEET_QUERY_TIMEOUT`, `AIRFLEET_SEARCH_FRESHNESS`, `AIRFLEET_RATE_LIMIT` (`20/s`, `20/s,40` with a burst, or `off`),
    /// `AIRFLEET_BCRYPT_COST` and `AIRFLEET_WEBHOOK_ALLOW_PRIVATE`.
    public static func fromEnvironment(_ environment: [String: String]) throws -> IngressConfiguration {
        try read(SettingsReader(environment: environment))
    }

    public static func read(_ settings: SettingsReader) throws -> IngressConfiguration {
        let broker = try FleetConfiguration.broker(reading: settings)
        let secret = settings.string("AIRFLEET_JWT_SECRET", secret: true)
        var configuration = IngressConfiguration(amqp: broker, jwtSecret: secret ?? "")
        configuration.host = settings.string("AIRFLEET_HTTP_HOST", default: configuration.host)
        configuration.port = try settings.integer("AIRFLEET_HTTP_PORT", default: configuration.port, range: 0...65535)
        configuration.tokenLifetime = try settings.duration("AIRFLEET_TOKEN_LIFETIME", default: configuration.tokenLifetime)
        configuration.maximumBodyBytes = try settings.integer("AIRFLEET_HTTP_MAX_BODY", default: configuration.maximumBodyBytes,
                                                              range: 1024...Int(Int32.max))
        configuration.maximumWait = try settings.duration("AIRFLEET_HTTP_MAX_WAIT", default: configuration.maximumWait)
        configuration.queryTimeout = try settings.duration("AIRFLEET_QUERY_TIMEOUT", default: configuration.queryTimeout)
        configuration.searchFreshness = try settings.duration("AIRFLEET_SEARCH_FRESHNESS", default: configuration.searchFreshness)
        let rateLimit = settings.string("AIRFLEET_RATE_LIMIT", default: configuration.rateLimit.map(\.description) ?? "off")
        if settings.isSet("AIRFLEET_RATE_LIMIT") { configuration.rateLimit = try parseRateLimit(rateLimit) }
        configuration.bcryptCost = try PasswordHashing.cost(reading: settings)
        configuration.allowPrivateWebhookAddresses = try settings.boolean("AIRFLEET_WEBHOOK_ALLOW_PRIVATE",
                                                                          default: configuration.allowPrivateWebhookAddresses)
        // Checked last, so that every other setting has been read (and is listed by `airfleet config show`).
        guard let secret else {
            throw ConfigurationError("AIRFLEET_JWT_SECRET is not set: the ingress signs access tokens with it (ops/up generates one)")
        }
        guard secret.utf8.count >= minimumSecretBytes else {
            throw ConfigurationError("AIRFLEET_JWT_SECRET must be at least \(minimumSecretBytes) bytes, so tokens cannot be forged by guessing it")
        }
        return configuration
    }

    /// `off`, `N/s` (burst 2N), or `N/s,B`.
    static func parseRateLimit(_ text: String) throws -> RateLimit? {
        if text == "off" || text == "0" { return nil }
        let parts = text.split(separator: ",", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts[0].hasSuffix("/s"), let rate = Double(parts[0].dropLast(2)), rate > 0 else {
            throw ConfigurationError("AIRFLEET_RATE_LIMIT must be like 20/s or 20/s,40 (rate per second, burst) or off, not '\(text)'")
        }
        var burst = max(1, Int((rate * 2).rounded(.up)))
        if parts.count == 2 {
            guard let given = Int(parts[1]), given >= 1 else {
                throw ConfigurationError("AIRFLEET_RATE_LIMIT's burst must be a whole number of requests, not '\(parts[1])'")
            }
            burst = given
        }
        return RateLimit(perSecond: rate, burst: burst)
    }
}
