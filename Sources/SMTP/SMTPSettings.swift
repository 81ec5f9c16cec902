import Foundation
import Identifiers
import Settings

/// Where and how mail leaves: `AIRFLEET_SMTP_URL` and the `AIRFLEET_SMTP_*` settings beside it.
public struct SMTPSettings: Sendable, Equatable {
    public enum StartTLS: String, Sendable, CaseIterable {
        /// Plain SMTP; never upgrade (a local sink).
        case off
        /// Upgrade when the server offers STARTTLS; go on in plain text when it does not.
        case opportunistic
        /// Refuse to send unless the connection is upgraded.
        case required
    }

    /// `smtp://host:port` or `smtps://host:port`, without credentials (they are kept apart so
    /// they never reach a log line).
    public var url: String
    public var username: String?
    public var password: String?
    /// Ignored for `smtps://`, which is TLS from the first byte.
    public var startTLS: StartTLS
    public var connectTimeout: Duration
    /// The whole exchange, connect to final reply.
    public var totalTimeout: Duration
    /// PEM file of the certificate authorities to trust instead of the system's.
    public var caBundle: String?
    public var sender: MailAddress
    /// The name the client gives in EHLO.
    public var heloName: String?

    public init(url: String = "smtp://127.0.0.1:2525", username: String? = nil, password: String? = nil,
                startTLS: StartTLS = .opportunistic, connectTimeout: Duration = .seconds(5),
                totalTimeout: Duration = .seconds(30), caBundle: String? = nil,
                sender: MailAddress = MailAddress("no-reply@airfleet.local", name: "Airfleet"), heloName: String? = nil) {
        self.url = url
        self.username = username
        self.password = password
        self.startTLS = startTLS
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.caBundle = caBundle
        self.sender = sender
        self.heloName = heloName
    }

    public var isImplicitTLS: Bool { url.hasPrefix("smtps://") }

    /// Reads `AIRFLEET_SMTP_URL` (user and password may be in it, percent-encoded),
    /// `AIRFLEET_SMTP_STARTTLS` (off, opportunistic, required), `AIRFLEET_SMTP_CONNECT_TIMEOUT`,
    /// `AIRFLEET_SMTP_TIMEOUT`, `AIRFLEET_SMTP_CA_BUNDLE`, `AIRFLEET_SMTP_FROM` and `AIRFLEET_SMTP_FROM_NAME`.
    public static func read(_ reader: SettingsReader) throws -> SMTPSettings {
        let defaults = SMTPSettings()
        var settings = try SMTPSettings.parsing(url: reader.string("AIRFLEET_SMTP_URL", default: defaults.url))
        let startTLS = reader.string("AIRFLEET_SMTP_STARTTLS", default: settings.startTLS.rawValue)
        guard let mode = StartTLS(rawValue: startTLS) else {
            throw SMTPError(.invalidMessage, "AIRFLEET_SMTP_STARTTLS: '\(startTLS)' must be one of off, opportunistic, required")
        }
        settings.startTLS = mode
        settings.connectTimeout = try positive(reader.duration("AIRFLEET_SMTP_CONNECT_TIMEOUT", default: defaults.connectTimeout),
                                               "AIRFLEET_SMTP_CONNECT_TIMEOUT")
        settings.totalTimeout = try positive(reader.duration("AIRFLEET_SMTP_TIMEOUT", default: defaults.totalTimeout), "AIRFLEET_SMTP_TIMEOUT")
        settings.caBundle = reader.string("AIRFLEET_SMTP_CA_BUNDLE")
        if let caBundle = settings.caBundle, !FileManager.default.isReadableFile(atPath: caBundle) {
            throw SMTPError(.invalidMessage, "AIRFLEET_SMTP_CA_BUNDLE: cannot read '\(caBundle)'")
        }
        settings.sender = MailAddress(reader.string("AIRFLEET_SMTP_FROM", default: defaults.sender.address),
                                      name: reader.string("AIRFLEET_SMTP_FROM_NAME", default: defaults.sender.name ?? ""))
        try settings.sender.validate(field: "AIRFLEET_SMTP_FROM")
        return settings
    }

    private static func positive(_ duration: Duration, _ name: String) throws -> Duration {
        guard duration > .zero else { throw SMTPError(.invalidMessage, "\(name) must be longer than 0") }
        return duration
    }

    /// Splits `smtp://user:password@host:port` into the URL curl connects to and the credentials.
    public static func parsing(url text: String) throws -> SMTPSettings {
        guard var components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "smtp" || scheme == "smtps", let host = components.host, !host.isEmpty else {
            throw SMTPError(.invalidMessage, "AIRFLEET_SMTP_URL: '\(redactingPassword(in: text))' must look like smtp://host:port or smtps://user:password@host:port")
        }
        var settings = SMTPSettings()
        settings.username = components.user?.removingPercentEncoding ?? components.user
        settings.password = components.password?.removingPercentEncoding ?? components.password
        components.user = nil
        components.password = nil
        components.scheme = scheme
        if components.port == nil { components.port = scheme == "smtps" ? 465 : 587 }
        settings.url = components.string ?? text
        settings.startTLS = scheme == "smtps" ? .off : (settings.username == nil ? .opportunistic : .required)
        return settings
    }
}
