import Configuration
import Identifiers
import Synchronization

/// The one way the fleet reads its settings: every value comes through swift-configuration's
/// reader, and every read is remembered with where its value came from, so `airfleet config
/// show` can print the settings a process would run with.
///
/// A setting is named as the environment names it (`AIRFLEET_PREFETCH`); an empty value counts
/// as unset, so a blank line in an environment file keeps the default.
public final class SettingsReader: Sendable {
    /// Where an effective value came from.
    public enum Source: String, Sendable, Codable {
        case environment
        case `default`
        /// Neither given nor defaulted: the feature it controls is off.
        case unset
    }

    /// One setting as read: its name, its value as it may be shown, and its source.
    public struct Reading: Sendable, Codable, Equatable {
        public let name: String
        /// Secrets and the passwords of URLs are masked.
        public let value: String
        public let source: Source
    }

    private let reader: ConfigReader
    private let variables: [String: String]
    private let recorded = Mutex<[Reading]>([])

    public init(environment: [String: String]) {
        variables = environment.filter { !$0.value.isEmpty }
        reader = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: variables))
    }

    /// Every setting read so far, in the order first read.
    public var readings: [Reading] { recorded.withLock { $0 } }

    /// The names of the set variables that start and end as given, such as the per-context
    /// `AIRFLEET_<CONTEXT>_DATABASE_URL`s.
    public func names(prefix: String, suffix: String) -> [String] {
        variables.keys.filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) && $0.count > prefix.count + suffix.count }.sorted()
    }

    public func string(_ name: String, secret: Bool = false) -> String? {
        let value = reader.string(forKey: Self.key(name), isSecret: secret)
        record(name, value.map { shown($0, secret: secret) } ?? "", value == nil ? .unset : .environment)
        return value
    }

    public func string(_ name: String, default defaultValue: String, secret: Bool = false) -> String {
        let value = reader.string(forKey: Self.key(name), isSecret: secret)
        record(name, shown(value ?? defaultValue, secret: secret), value == nil ? .default : .environment)
        return value ?? defaultValue
    }

    public func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        let text = string(name, default: String(defaultValue))
        guard isSet(name) else { return defaultValue }
        guard let number = Int(text), range.contains(number) else {
            throw ConfigurationError("\(name): '\(text)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A whole number with no default: nil when unset.
    public func integer(_ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw ConfigurationError("\(name): '\(text)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// `true` or `false`.
    public func boolean(_ name: String, default defaultValue: Bool) throws -> Bool {
        let text = string(name, default: String(defaultValue))
        guard isSet(name) else { return defaultValue }
        guard let value = Bool(text.lowercased()) else { throw ConfigurationError("\(name): '\(text)' must be true or false") }
        return value
    }

    public func duration(_ name: String, default defaultValue: Duration) throws -> Duration {
        let text = string(name, default: formatDuration(defaultValue))
        return isSet(name) ? try parseDuration(text, setting: name) : defaultValue
    }

    /// Whether the variable is set (and not empty).
    public func isSet(_ name: String) -> Bool { variables[name] != nil }

    private func shown(_ value: String, secret: Bool) -> String {
        secret ? "***" : redactingPassword(in: value)
    }

    private func record(_ name: String, _ value: String, _ source: Source) {
        recorded.withLock { readings in
            if let index = readings.firstIndex(where: { $0.name == name }) {
                readings[index] = Reading(name: name, value: value, source: source)
            } else {
                readings.append(Reading(name: name, value: value, source: source))
            }
        }
    }

    /// `AIRFLEET_SMTP_URL` is the key `airfleet.smtp.url`, which the environment provider spells
    /// back as `AIRFLEET_SMTP_URL`.
    private static func key(_ name: String) -> ConfigKey {
        ConfigKey(name.lowercased().split(separator: "_").map(String.init))
    }
}
