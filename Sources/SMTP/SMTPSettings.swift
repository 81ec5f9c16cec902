import Foundation

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
    public static func fromEnvironment(_ environment: [String: String]) throws -> SMTPSettings {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        var settings = try SMTPSettings.parsing(url: value("AIRFLEET_SMTP_URL") ?? "smtp://127.0.0.1:2525")
        if let text = value("AIRFLEET_SMTP_STARTTLS") {
            guard let mode = StartTLS(rawValue: text) else {
                throw SMTPError(.invalidMessage, "AIRFLEET_SMTP_STARTTLS: '\(text)' must be one of off, opportunistic, required")
            }
            settings.startTLS = mode
        }
        settings.connectTimeout = try duration(value("AIRFLEET_SMTP_CONNECT_TIMEOUT"), "AIRFLEET_SMTP_CONNECT_TIMEOUT") ?? .seconds(5)
        settings.totalTimeout = try duration(value("AIRFLEET_SMTP_TIMEOUT"), "AIRFLEET_SMTP_TIMEOUT") ?? .seconds(30)
        settings.caBundle = value("AIRFLEET_SMTP_CA_BUNDLE")
        if let caBundle = settings.caBundle, !FileManager.default.isReadableFile(atPath: caBundle) {
            throw SMTPError(.invalidMessage, "AIRFLEET_SMTP_CA_BUNDLE: cannot read '\(caBundle)'")
        }
        settings.sender = MailAddress(value("AIRFLEET_SMTP_FROM") ?? "no-reply@airfleet.local",
                                      name: value("AIRFLEET_SMTP_FROM_NAME") ?? "Airfleet")
        try settings.sender.validate(field: "AIRFLEET_SMTP_FROM")
        return settings
    }

    /// Splits `smtp://user:password@host:port` into the URL curl connects to and the credentials.
    public static func parsing(url text: String) throws -> SMTPSettings {
        guard var components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "smtp" || scheme == "smtps", let host = components.host, !host.isEmpty else {
            throw SMTPError(.invalidMessage, "AIRFLEET_SMTP_URL: '\(redacted(text))' must look like smtp://host:port or smtps://user:password@host:port")
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

    private static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let slashes = text.range(of: "://") else { return text }
        return String(text[..<slashes.upperBound]) + "…" + String(text[at...])
    }

    private static func duration(_ text: String?, _ name: String) throws -> Duration? {
        guard let text else { return nil }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let number = Double(text.dropLast(suffix.count)), number > 0 {
                return .milliseconds(Int64(number * scale * 1000))
            }
        }
        throw SMTPError(.invalidMessage, "\(name): '\(text)' must be a duration such as 500ms, 10s or 2m")
    }
}
