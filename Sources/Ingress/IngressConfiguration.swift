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
    /// Connection name prefix and envelope `source`.
    public var source: String

    public struct RateLimit: Sendable, Equatable {
        public var perSecond: Double
        public var burst: Int
        public init(perSecond: Double, burst: Int) {
            self.perSecond = perSecond
            self.burst = burst
        }
    }

    public static let minimumSecretBytes = 32

    public init(amqp: AMQPConfiguration, host: String = "127.0.0.1", port: Int = 8080, jwtSecret: String,
                tokenLifetime: Duration = .seconds(3600), maximumBodyBytes: Int = 64 * 1024,
                maximumWait: Duration = .seconds(30), queryTimeout: Duration = .seconds(5), searchFreshness: Duration = .seconds(1),
                rateLimit: RateLimit? = RateLimit(perSecond: 20, burst: 40), bcryptCost: Int = PasswordHashing.defaultCost,
                source: String = "airfleet/ingress") {
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
        self.source = source
    }

    /// Reads `AIRFLEET_AMQP_URL`, `AIRFLEET_HTTP_HOST`, `AIRFLEET_HTTP_PORT`, `AIRFLEET_JWT_SECRET`,
    /// `AIRFLEET_TOKEN_LIFETIME`, `AIRFLEET_HTTP_MAX_BODY`, `AIRFLEET_HTTP_MAX_WAIT`,
    /// `AIRFLEET_QUERY_TIMEOUT`, `AIRFLEET_SEARCH_FRESHNESS`, `AIRFLEET_RATE_LIMIT` (`20/s`, `20/s,40` with a burst, or `off`)
    /// and `AIRFLEET_BCRYPT_COST`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> IngressConfiguration {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let url = value("AIRFLEET_AMQP_URL") ?? FleetConfiguration.defaultAMQPURL
        guard let secret = value("AIRFLEET_JWT_SECRET") else {
            throw ConfigurationError("AIRFLEET_JWT_SECRET is not set: the ingress signs access tokens with it (ops/up generates one)")
        }
        guard secret.utf8.count >= minimumSecretBytes else {
            throw ConfigurationError("AIRFLEET_JWT_SECRET must be at least \(minimumSecretBytes) bytes, so tokens cannot be forged by guessing it")
        }
        var configuration = IngressConfiguration(amqp: try AMQPConfiguration(url: url), jwtSecret: secret)
        if let host = value("AIRFLEET_HTTP_HOST") { configuration.host = host }
        if let text = value("AIRFLEET_HTTP_PORT") {
            guard let port = Int(text), (0...65535).contains(port) else {
                throw ConfigurationError("AIRFLEET_HTTP_PORT must be a port number, not '\(text)'")
            }
            configuration.port = port
        }
        if let text = value("AIRFLEET_TOKEN_LIFETIME") {
            configuration.tokenLifetime = try parseDuration(text, setting: "AIRFLEET_TOKEN_LIFETIME")
        }
        if let text = value("AIRFLEET_HTTP_MAX_BODY") {
            guard let bytes = Int(text), bytes >= 1024 else {
                throw ConfigurationError("AIRFLEET_HTTP_MAX_BODY must be a number of bytes, at least 1024, not '\(text)'")
            }
            configuration.maximumBodyBytes = bytes
        }
        if let text = value("AIRFLEET_HTTP_MAX_WAIT") {
            configuration.maximumWait = try parseDuration(text, setting: "AIRFLEET_HTTP_MAX_WAIT")
        }
        if let text = value("AIRFLEET_QUERY_TIMEOUT") {
            configuration.queryTimeout = try parseDuration(text, setting: "AIRFLEET_QUERY_TIMEOUT")
        }
        if let text = value("AIRFLEET_SEARCH_FRESHNESS") {
            configuration.searchFreshness = try parseDuration(text, setting: "AIRFLEET_SEARCH_FRESHNESS")
        }
        if let text = value("AIRFLEET_RATE_LIMIT") { configuration.rateLimit = try parseRateLimit(text) }
        configuration.bcryptCost = try PasswordHashing.cost(fromEnvironment: environment)
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
