import Foundation
import Logging

/// Applies one component's migrations to one schema and records them in
/// `<schema>.airfleet_migrations`, so every process of a fleet can migrate at start-up safely.
public struct MigrationRunner: Sendable {
    public let schema: String
    public let component: String
    public let logger: Logger

    /// Names are checked (`^[a-z_][a-z0-9_]{0,62}$`) when the runner is used, and a bad one is
    /// thrown from there, so that creating a runner stays non-throwing.
    public init(schema: String, component: String, logger: Logger) {
        self.schema = schema
        self.component = component
        self.logger = logger
    }

    /// The class half of the two-key advisory lock. PostgreSQL keeps two-key locks apart from
    /// bigint ones, so this lock never collides with a `withAdvisoryLock(Int64)` of the runtime.
    static let lockClass: Int32 = 0x4146_4D47  // "AFMG"

    /// Statements a migration may not run: the runner owns the transaction.
    static let transactionControl: Set<String> = ["begin", "start", "commit", "end", "rollback", "abort"]

    /// Applies pending migrations in one transaction, under an advisory lock on the schema name so
    /// that processes starting together wait for each other instead of colliding, and returns the
    /// versions applied (empty when already up to date).
    ///
    /// Refuses, naming the file and both checksums, when an applied migration's SQL has changed;
    /// refuses a new migration numbered below one already applied (merge order would otherwise
    /// differ between databases). A failing statement rolls back the whole run; the error names the
    /// file, the statement's number and line, and its first line.
    public func migrate(_ migrations: [Migration], on connection: PostgresConnection) throws -> [Int] {
        try validateNames()
        let ordered = try Self.ordered(migrations)
        let applied = try connection.transaction { () throws -> [Int] in
            try connection.query("select pg_advisory_xact_lock($1, hashtext($2))", Self.lockClass, schema)
            try createBookkeeping(on: connection)
            // sha256() in the server: no crypto dependency, and the sum is of the exact text stored.
            let checksums = try connection.query(
                "select encode(sha256(convert_to(sql, 'UTF8')), 'hex') from unnest($1::text[]) with ordinality as m(sql, n) order by n",
                [ordered.map(\.sql)]
            ).column(String.self)
            var recorded: [Int: String] = [:]
            for row in try connection.query("select version, checksum from \(table) where component = $1", component) {
                recorded[try row.decode(Int.self, column: "version")] = try row.decode(String.self, column: "checksum")
            }
            for (migration, checksum) in zip(ordered, checksums) {
                if let old = recorded[migration.version], old != checksum {
                    throw MigrationError(migration: migration.fileName, message: """
                        \(component) migration \(migration.fileName) was changed after it was applied to schema \(schema): \
                        applied checksum \(old), file checksum \(checksum). Applied migrations must not be edited; \
                        restore the file and add a new migration instead
                        """)
                }
            }
            let known = Set(ordered.map(\.version))
            let unknown = recorded.keys.filter { !known.contains($0) }.sorted()
            if !unknown.isEmpty {
                // A newer release applied these; an older process during a rolling deploy must still start.
                logger.warning("schema has migrations this build does not know", metadata: [
                    "schema": "\(schema)", "component": "\(component)", "versions": "\(unknown)"])
            }
            let pending = zip(ordered, checksums).filter { recorded[$0.0.version] == nil }
            if let newest = recorded.keys.max(), let early = pending.first(where: { $0.0.version < newest }) {
                throw MigrationError(migration: early.0.fileName, message: """
                    \(component) migration \(early.0.fileName) is new but version \(newest) is already applied to schema \(schema); \
                    renumber it above \(newest)
                    """)
            }
            for (migration, checksum) in pending {
                try apply(migration, on: connection)
                try connection.query(
                    "insert into \(table) (component, version, name, checksum, applied_at) values ($1, $2, $3, $4, clock_timestamp())",
                    component, migration.version, migration.name, checksum)
                logger.info("applied migration", metadata: [
                    "schema": "\(schema)", "component": "\(component)", "migration": "\(migration.fileName)"])
            }
            return pending.map(\.0.version)
        }
        if applied.isEmpty {
            logger.debug("migrations up to date", metadata: ["schema": "\(schema)", "component": "\(component)"])
        }
        return applied
    }

    /// Versions of this component applied to the schema, ascending; empty if nothing ever was.
    public func appliedVersions(on connection: PostgresConnection) throws -> [Int] {
        try validateNames()
        guard try tableExists(on: connection) else { return [] }
        return try connection.query("select version from \(table) where component = $1 order by version", component).column(Int.self)
    }

    // MARK: - Steps

    private var quotedSchema: String { "\"\(schema)\"" }
    private var table: String { "\(quotedSchema).airfleet_migrations" }

    /// Checks before creating: CREATE … IF NOT EXISTS still demands the CREATE privilege, which a
    /// production role may lack once a DBA has made the schema.
    private func createBookkeeping(on connection: PostgresConnection) throws {
        let schemaExists = try connection.query("select exists (select 1 from pg_namespace where nspname = $1)", schema)
            .first?.decode(Bool.self, at: 0) ?? false
        if !schemaExists {
            try connection.execute(script: "create schema \(quotedSchema)")
        }
        if try !tableExists(on: connection) {
            try connection.execute(script: """
                create table \(table) (
                    component text not null,
                    version int not null,
                    name text not null,
                    checksum text not null,
                    applied_at timestamptz not null default now(),
                    primary key (component, version)
                )
                """)
        }
    }

    private func tableExists(on connection: PostgresConnection) throws -> Bool {
        try connection.query("select to_regclass($1) is not null", "\(table)").first?.decode(Bool.self, at: 0) ?? false
    }

    /// One statement at a time, so a failure names its statement even when the server gives no
    /// position. The search_path is set before each file in case the previous one changed it.
    private func apply(_ migration: Migration, on connection: PostgresConnection) throws {
        try connection.execute(script: "set local search_path to \(quotedSchema), public")
        let statements = SQLScript.split(migration.sql)
        for (index, statement) in statements.enumerated() {
            let place = "\(component) migration \(migration.fileName), statement \(index + 1) of \(statements.count) (line \(statement.line)): \(statement.firstLine)"
            if Self.transactionControl.contains(statement.keyword) {
                throw MigrationError(migration: migration.fileName, message: "\(place): migrations run in the runner's transaction and must not begin, commit or roll back one")
            }
            do {
                try connection.execute(script: statement.text)
            } catch let error as PostgresError {
                throw MigrationError(migration: migration.fileName, message: "\(place) failed", underlying: error)
            }
        }
    }

    private func validateNames() throws {
        for (what, name) in [("schema", schema), ("component", component)] where !Self.isIdentifier(name) {
            throw MigrationError(message: "\(what) name '\(name)' is not a lower-case identifier (^[a-z_][a-z0-9_]{0,62}$)")
        }
    }

    static func isIdentifier(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 63 else { return false }
        let lower = UInt8(ascii: "a")...UInt8(ascii: "z"), digit = UInt8(ascii: "0")...UInt8(ascii: "9"), underscore = UInt8(ascii: "_")
        return (lower.contains(first) || first == underscore)
            && bytes.allSatisfy { lower.contains($0) || digit.contains($0) || $0 == underscore }
    }

    private static func ordered(_ migrations: [Migration]) throws -> [Migration] {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (earlier, later) in zip(sorted, sorted.dropFirst()) where earlier.version == later.version {
            throw MigrationError(migration: later.fileName, message: "migrations \(earlier.fileName) and \(later.fileName) both have version \(later.version)")
        }
        return sorted
    }
}
