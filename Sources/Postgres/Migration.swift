import Foundation

/// One step of a component's schema history, for example `0003_add_gate.sql` of "flights".
public struct Migration: Sendable, Equatable {
    public let version: Int
    /// The part of the file name after the version: "add_gate".
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// The conventional file name, used in messages: "0003_add_gate.sql".
    public var fileName: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_\(name).sql"
    }
}

extension Migration {
    /// The migrations a target ships as the `Migrations` folder of its resources bundle. No
    /// process of the target can run without them, so a missing or unreadable folder stops the
    /// process with the bundle to ship.
    public static func shipped(in bundle: Bundle, by target: String) -> [Migration] {
        guard let folder = bundle.url(forResource: "Migrations", withExtension: nil) else {
            fatalError("the \(target) migrations are missing from its resources bundle; ship airfleet_\(target).resources beside the binary")
        }
        do {
            return try load(from: folder)
        } catch {
            fatalError("the \(target) migrations cannot be loaded: \(error)")
        }
    }

    /// Loads the NNNN_name.sql files of a folder, sorted by version. Other files (a README,
    /// dotfiles) are ignored; a .sql file without a version, or two files with one version, is an
    /// error naming the files, because skipping either would silently drop a schema change.
    public static func load(from directory: URL) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError(message: "cannot list migrations in \(directory.path): \(error.localizedDescription)")
        }
        var byVersion: [Int: (file: String, migration: Migration)] = [:]
        for file in names.sorted() where !file.hasPrefix(".") && file.lowercased().hasSuffix(".sql") {
            let stem = file.dropLast(4)
            let digits = stem.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, stem.dropFirst(digits.count).first == "_", stem.count > digits.count + 1 else {
                throw MigrationError(migration: file, message: "migration file name '\(file)' in \(directory.path) does not have the form NNNN_name.sql (for example 0001_create_tables.sql)")
            }
            guard let version = Int(digits), version <= Int(Int32.max) else {
                throw MigrationError(migration: file, message: "migration version \(digits) in '\(file)' is too large")
            }
            if let earlier = byVersion[version] {
                throw MigrationError(migration: file, message: "migrations '\(earlier.file)' and '\(file)' in \(directory.path) both have version \(version)")
            }
            let url = directory.appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw MigrationError(migration: file, message: "cannot read migration \(url.path)")
            }
            guard let sql = String(data: data, encoding: .utf8) else {
                throw MigrationError(migration: file, message: "migration \(url.path) is not UTF-8")
            }
            let name = String(stem.dropFirst(digits.count + 1))
            byVersion[version] = (file, Migration(version: version, name: name, sql: sql))
        }
        return byVersion.keys.sorted().map { byVersion[$0]!.migration }
    }
}

/// A migration that cannot be loaded or applied; the message names the file and what to do.
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    /// The file name of the migration concerned, when there is one.
    public let migration: String?
    public let message: String
    /// The database error underneath, if any (its isRetryable tells whether running again may help).
    public let underlying: PostgresError?

    public init(migration: String? = nil, message: String, underlying: PostgresError? = nil) {
        self.migration = migration
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        guard let underlying else { return message }
        return "\(message): \(underlying)"
    }
}
