import Foundation
import Logging

/// One line per event on standard error. As text (the default): time, level, label, message,
/// then the metadata as `key=value`, so message and correlation ids can be searched with grep.
/// As JSON (`AIRFLEET_LOG_FORMAT=json`): one object a line, the metadata as its own fields, for
/// a log collector.
public struct FleetLogHandler: LogHandler {
    public enum Format: String, CaseIterable, Sendable {
        case text, json
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let format: Format

    public init(label: String, level: Logger.Level, format: Format = .text) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    /// Installs the handler for the whole process, at `level(_:)`, in `format(_:)`.
    public static func bootstrap(settings: SettingsReader) {
        let level = level(settings)
        let format = (try? format(settings)) ?? .text
        LoggingSystem.bootstrap { FleetLogHandler(label: $0, level: level, format: format) }
    }

    /// `AIRFLEET_LOG_LEVEL`, `info` when unset or not a level.
    public static func level(_ settings: SettingsReader) -> Logger.Level {
        Logger.Level(rawValue: settings.string("AIRFLEET_LOG_LEVEL", default: Logger.Level.info.rawValue)) ?? .info
    }

    /// `AIRFLEET_LOG_FORMAT`: `text` (the default) or `json`.
    public static func format(_ settings: SettingsReader) throws -> Format {
        let text = settings.string("AIRFLEET_LOG_FORMAT", default: Format.text.rawValue)
        guard let format = Format(rawValue: text.lowercased()) else {
            throw ConfigurationError("AIRFLEET_LOG_FORMAT: '\(text)' must be one of \(Format.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let line = Self.line(format, time: Date(), level: event.level, label: label, message: "\(event.message)", metadata: merged)
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// One event as its line, without the newline.
    static func line(_ format: Format, time: Date, level: Logger.Level, label: String, message: String,
                     metadata: Logger.Metadata) -> String {
        switch format {
        case .text:
            var line = "\(FleetJSON.formatTimestamp(time)) \(level) \(label): \(message)"
            for key in metadata.keys.sorted() {
                line += " \(key)=\(quoted("\(metadata[key]!)"))"
            }
            return line
        case .json:
            // The event's own fields win over metadata of the same name.
            var object = metadata.mapValues(jsonValue)
            object["time"] = FleetJSON.formatTimestamp(time)
            object["level"] = level.rawValue
            object["logger"] = label
            object["message"] = message
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    private static func jsonValue(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): "\(convertible)"
        case .array(let values): values.map(jsonValue)
        case .dictionary(let values): values.mapValues(jsonValue)
        }
    }

    private static func quoted(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) ? "\"\(value.replacingOccurrences(of: "\"", with: "\\\""))\"" : value
    }
}
