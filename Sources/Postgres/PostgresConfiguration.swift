import Foundation

/// Where and how to reach PostgreSQL, usually parsed from a `postgres://` URL such as
/// `AIRFLEET_DATABASE_URL`.
public struct PostgresConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var applicationName: String?
    /// Seconds libpq waits for each connection attempt (libpq treats 0 as "forever" and 1 as 2).
    public var connectTimeout: Int
    /// libpq's sslmode; nil leaves libpq's own default (`prefer`, or PGSSLMODE).
    public var sslMode: String?
    /// Further run-time parameters for every session, applied at connect and again after each
    /// reconnect (for example statement_timeout, lock_timeout, idle_in_transaction_session_timeout).
    /// Not part of the URL.
    public var settings: [String: String]

    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 5432
    public static let defaultUser = "airfleet"
    public static let defaultDatabase = "airfleet"
    public static let defaultConnectTimeout = 5

    public init(
        host: String = PostgresConfiguration.defaultHost,
        port: Int = PostgresConfiguration.defaultPort,
        user: String = PostgresConfiguration.defaultUser,
        password: String? = nil,
        database: String = PostgresConfiguration.defaultDatabase,
        applicationName: String? = nil,
        connectTimeout: Int = PostgresConfiguration.defaultConnectTimeout,
        sslMode: String? = nil,
        settings: [String: String] = [:]
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
        self.sslMode = sslMode
        self.settings = settings
    }

    /// Parses `postgres://user:password@host:port/database?application_name=x&sslmode=disable&connect_timeout=5`
    /// (or `postgresql://`). Every part is optional; components are percent-decoded, so a password
    /// with `@`, `/`, `?` or `#` must be percent-encoded, and a Unix socket folder is written as an
    /// encoded host (`%2Fvar%2Frun%2Fpostgresql`).
    ///
    /// Error messages quote the offending part but never the password, so they are safe to log.
    public init(url: String) throws {
        self.init()
        let lowered = url.lowercased()
        guard let scheme = ["postgres://", "postgresql://"].first(where: { lowered.hasPrefix($0) }) else {
            let shown = url.range(of: "://").map { String(url[..<$0.lowerBound]) + "://…" } ?? "a string without a scheme"
            throw PostgresConfigurationError("expected a postgres:// or postgresql:// URL, got \(shown)")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        if rest.contains("#") {
            throw PostgresConfigurationError("a PostgreSQL URL has no fragment (#…); percent-encode '#' in a password as %23")
        }

        // An '@' after the authority means a password holds an unencoded '/' or '?'. Parsing on would
        // quote pieces of that password in the error, so stop here without quoting anything.
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" }), rest[end...].contains("@") {
            throw PostgresConfigurationError("'@' after the host: percent-encode '/', '?' and '@' in the user name, password, database name and parameters (%2F, %3F, %40)")
        }

        var query: Substring?
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring?
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }

        // The authority: the last '@' separates credentials, so an unencoded '@' in a password still works.
        var hostPart = rest
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            hostPart = rest[rest.index(after: at)...]
            let userText: Substring
            if let colon = credentials.firstIndex(of: ":") {
                userText = credentials[..<colon]
                password = try Self.decode(credentials[credentials.index(after: colon)...], "password", quote: false)
            } else {
                userText = credentials
            }
            let decodedUser = try Self.decode(userText, "user name")
            if !decodedUser.isEmpty { user = decodedUser }
        }
        try parseHostAndPort(hostPart)

        if let path, !path.isEmpty {
            if path.contains("/") {
                throw PostgresConfigurationError("the URL path must be just the database name, got '/\(path)'; percent-encode '/' in a password as %2F")
            }
            database = try Self.decode(path, "database name")
        }
        if let query { try parseQuery(query) }
    }

    private mutating func parseHostAndPort(_ text: Substring) throws {
        var hostText = text
        var portText: Substring?
        if text.hasPrefix("[") {
            // IPv6 literal: [::1]:5432
            guard let close = text.firstIndex(of: "]") else {
                throw PostgresConfigurationError("unterminated IPv6 address '\(text)' (expected [address]:port)")
            }
            hostText = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw PostgresConfigurationError("unexpected '\(after)' after the IPv6 address '[\(hostText)]'")
            }
        } else if let colon = text.lastIndex(of: ":") {
            hostText = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        let decodedHost = try Self.decode(hostText, "host")
        if decodedHost.contains(",") {
            throw PostgresConfigurationError("several hosts ('\(decodedHost)') are not supported; give one host")
        }
        if !decodedHost.isEmpty { host = decodedHost }
        if let portText, !portText.isEmpty {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw PostgresConfigurationError("port '\(portText)' is not a number between 1 and 65535")
            }
            port = number
        }
    }

    private mutating func parseQuery(_ text: Substring) throws {
        for item in text.split(separator: "&", omittingEmptySubsequences: true) {
            guard let equals = item.firstIndex(of: "=") else {
                throw PostgresConfigurationError("URL parameter '\(item)' has no value (expected name=value)")
            }
            let name = try Self.decode(item[..<equals], "parameter name")
            let value = try Self.decode(item[item.index(after: equals)...], "value of \(name)")
            switch name {
            case "application_name":
                applicationName = value
            case "sslmode":
                let modes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
                guard modes.contains(value) else {
                    throw PostgresConfigurationError("sslmode '\(value)' is not one of \(modes.joined(separator: ", "))")
                }
                sslMode = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds >= 0 else {
                    throw PostgresConfigurationError("connect_timeout '\(value)' is not a whole number of seconds")
                }
                connectTimeout = seconds
            default:
                // Silently ignoring, say, sslrootcert would connect with weaker security than asked for.
                throw PostgresConfigurationError("unsupported URL parameter '\(name)' (supported: application_name, sslmode, connect_timeout)")
            }
        }
    }

    private static func decode(_ text: Substring, _ what: String, quote: Bool = true) throws -> String {
        guard let decoded = String(text).removingPercentEncoding else {
            let shown = quote ? " '\(text)'" : ""
            throw PostgresConfigurationError("invalid percent-encoding in the \(what)\(shown)")
        }
        return decoded
    }

    /// The URL with the password replaced by `***`, for logs and error messages.
    public var redactedURL: String {
        var url = "postgres://" + Self.encode(user)
        if password != nil { url += ":***" }
        url += "@"
        url += host.contains(":") ? "[\(host)]" : Self.encode(host)
        url += ":\(port)/" + Self.encode(database)
        var items: [String] = []
        if let applicationName { items.append("application_name=" + Self.encode(applicationName)) }
        if let sslMode { items.append("sslmode=" + Self.encode(sslMode)) }
        if connectTimeout != Self.defaultConnectTimeout { items.append("connect_timeout=\(connectTimeout)") }
        if !items.isEmpty { url += "?" + items.joined(separator: "&") }
        return url
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

/// A database URL that could not be parsed; the message names the part at fault.
public struct PostgresConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "invalid PostgreSQL URL: \(message)" }
}
