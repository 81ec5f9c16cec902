import Foundation
import Logging

/// One line per event on standard error: time, level, label, message, then the metadata as
/// `key=value`, so message and correlation ids can be searched with grep.
public struct FleetLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    /// Installs the handler for the whole process, at `level(_:)`.
    public static func bootstrap(settings: SettingsReader) {
        let level = level(settings)
        LoggingSystem.bootstrap { FleetLogHandler(label: $0, level: level) }
    }

    /// `AIRFLEET_LOG_LEVEL`, `info` when unset or not a level.
    public static func level(_ settings: SettingsReader) -> Logger.Level {
        Logger.Level(rawValue: settings.string("AIRFLEET_LOG_LEVEL", default: Logger.Level.info.rawValue)) ?? .info
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "\(FleetJSON.formatTimestamp(Date())) \(event.level) \(label): \(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.quoted("\(merged[key]!)"))"
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    private static func quoted(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) ? "\"\(value.replacingOccurrences(of: "\"", with: "\\\""))\"" : value
    }
}
