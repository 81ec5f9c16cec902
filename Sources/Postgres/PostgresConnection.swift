import CLibPQ
import Foundation
import Logging

/// One libpq connection with synchronous, throwing calls.
///
/// Thread contract: libpq blocks, so a connection lives on one dedicated Thread, never on the
/// Swift concurrency pool, and is used by one thread at a time. It is `@unchecked Sendable` only
/// so that it can be created on one thread and handed to the thread that owns it. Two threads
/// inside it at once would interleave protocol messages on one socket, so that traps at once
/// (a `NSLock.try()` around every libpq exchange, nanoseconds beside a round trip) instead of
/// corrupting results.
public final class PostgresConnection: @unchecked Sendable {
    public let configuration: PostgresConfiguration
    public let logger: Logger
    /// nil once closed.
    private(set) var handle: OpaquePointer?
    /// Set when a pipeline, half sent or half read, left the protocol in a state only a new
    /// session clears: the connection then reports itself lost until `reconnect()`.
    var abandoned = false
    /// Kept for the PGconn's lifetime: libpq holds a raw pointer to it.
    private let notices: NoticeReceiver
    private let busy = NSLock()
    /// Names savepoints uniquely while they nest.
    var savepointDepth = 0
    /// Session advisory locks whose unlock had to wait for an aborted transaction to end.
    var pendingUnlocks: [Int64] = []
    var prepared = PreparedStatements()

    /// Connects (blocking for at most `connectTimeout` seconds) and sets the session up: UTC,
    /// ISO dates, UTF-8, hex bytea, and the application name.
    public init(_ configuration: PostgresConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.notices = NoticeReceiver(logger: logger)
        let handle = Self.connect(configuration)
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            let reason = handle.flatMap { LibPQ.message(PQerrorMessage($0)) } ?? "libpq could not allocate a connection"
            PQfinish(handle)
            throw PostgresError(message: "could not connect to \(configuration.redactedURL): \(reason)", connectionLost: true)
        }
        self.handle = handle
        notices.install(on: handle)
        do {
            try applySessionSettings()
        } catch {
            close()
            throw error
        }
        logger.debug("connected to PostgreSQL", metadata: ["postgres.url": "\(configuration.redactedURL)", "postgres.pid": "\(PQbackendPID(handle))"])
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Keyword/value arrays rather than a conninfo string, so no value (a password with spaces or
    /// quotes) is ever parsed as connection syntax; expand_dbname = 0 keeps a database name that
    /// looks like a URL or "key=value" from being expanded.
    private static func connect(_ configuration: PostgresConfiguration) -> OpaquePointer? {
        var pairs: [(String, String)] = [
            ("host", configuration.host),
            ("port", String(configuration.port)),
            ("user", configuration.user),
            ("dbname", configuration.database),
            ("connect_timeout", String(configuration.connectTimeout)),
            ("client_encoding", "UTF8"),
        ]
        if let password = configuration.password { pairs.append(("password", password)) }
        if let name = configuration.applicationName { pairs.append(("application_name", name)) }
        if let mode = configuration.sslMode { pairs.append(("sslmode", mode)) }
        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        return PQconnectdbParams(keywords.map { UnsafePointer($0) } + [nil], values.map { UnsafePointer($0) } + [nil], 0)
    }

    /// One round trip; set_config takes names and values as parameters, so nothing needs quoting.
    private func applySessionSettings() throws {
        var sql = """
            select set_config('TimeZone', 'UTC', false), set_config('DateStyle', 'ISO, YMD', false), \
            set_config('client_encoding', 'UTF8', false), set_config('bytea_output', 'hex', false)
            """
        var parameters: [(any PostgresEncodable)?] = []
        var extra = configuration.settings.sorted { $0.key < $1.key }
        if let name = configuration.applicationName { extra.append(("application_name", name)) }
        for (name, value) in extra {
            sql += ", set_config($\(parameters.count + 1), $\(parameters.count + 2), false)"
            parameters += [name, value]
        }
        try run(sql, parameters)
    }

    // MARK: - State

    /// PQstatus is CONNECTION_OK. libpq only notices a dead server when it next talks to it, so
    /// true means "not known to be broken"; a query's `isConnectionLost` error is the real signal.
    public var isHealthy: Bool {
        guard let handle, !abandoned else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// A transaction is open (possibly aborted by an error and waiting for ROLLBACK).
    public var inTransaction: Bool {
        let status = transactionStatus
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    var transactionStatus: PGTransactionStatusType {
        guard let handle else { return PQTRANS_UNKNOWN }
        return PQtransactionStatus(handle)
    }

    /// The server process serving this connection (pg_backend_pid()).
    public var backendPID: Int32 {
        handle.map(PQbackendPID) ?? 0
    }

    // MARK: - Statements

    /// Runs one statement with parameters ($1, $2 …) sent separately from the SQL (PQexecParams,
    /// text format); returns its rows.
    ///
    /// Mind the two overloads: an array *literal* is the parameter list (`query(sql, [a, b])` sends
    /// $1 and $2), while a typed array *value* is one array parameter (`query(sql, ids)` with
    /// `ids: [UUID]` sends $1 as uuid[]). To send one array from a literal, nest it: `[[a, b]]`.
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws -> PostgresRows {
        try run(sql, parameters)
    }

    /// The same with the parameters listed: `query("… where id = $1 and seat = $2", id, seat)`.
    @discardableResult
    public func query(_ sql: String, _ parameters: (any PostgresEncodable)?...) throws -> PostgresRows {
        try run(sql, parameters)
    }

    /// Runs a statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ sql: String, _ parameters: (any PostgresEncodable)?...) throws -> Int {
        try run(sql, parameters).affectedRows
    }

    /// The same, with parameters built at run time.
    @discardableResult
    public func execute(_ sql: String, parameters: [(any PostgresEncodable)?]) throws -> Int {
        try run(sql, parameters).affectedRows
    }

    /// Runs a script of several statements without parameters (PQexec, the simple protocol), for
    /// migrations and set-up. Outside a transaction the script runs as one implicit transaction.
    public func execute(script sql: String) throws {
        let connection = try liveHandle()
        try exclusively {
            _ = try finish(PQexec(connection, sql), sql: sql)
        }
    }

    @discardableResult
    func run(_ sql: String, _ parameters: [(any PostgresEncodable)?]) throws -> PostgresRows {
        let connection = try liveHandle(sql)
        return try exclusively {
            let encoded = try EncodedParameters(parameters, sql: sql)
            guard !parameters.isEmpty else {
                return try finish(PQexecParams(connection, sql, 0, nil, nil, nil, nil, 0), sql: sql)
            }
            return try withExtendedLifetime(encoded) { try runPrepared(sql, encoded, on: connection) }
        }
    }

    /// Executes through the session's prepared statement for this SQL and these parameter types,
    /// preparing it on first use.
    private func runPrepared(_ sql: String, _ encoded: EncodedParameters, on connection: OpaquePointer) throws -> PostgresRows {
        let key = PreparedStatements.Key(sql: sql, types: encoded.types)
        guard let name = try preparedName(for: key, on: connection) else {
            return try finish(PQexecParams(connection, sql, encoded.count, encoded.types, encoded.values, nil, nil, 0), sql: sql)
        }
        do {
            return try finish(PQexecPrepared(connection, name, encoded.count, encoded.values, nil, nil, 0), sql: sql)
        } catch let error as PostgresError where error.sqlState == "0A000" || error.sqlState == "26000" {
            // DDL changed what the plan returns (0A000), or the statement is gone (26000): prepare
            // it afresh next time; outside a transaction nothing was lost, so try again at once.
            prepared.forget(key)
            guard PQtransactionStatus(connection) == PQTRANS_IDLE else { throw error }
            _ = PQexec(connection, "DEALLOCATE \(name)").map { PQclear($0) }
            guard let fresh = try preparedName(for: key, on: connection) else { throw error }
            return try finish(PQexecPrepared(connection, fresh, encoded.count, encoded.values, nil, nil, 0), sql: sql)
        }
    }

    /// The prepared statement's name, preparing it if needed; nil when the cache is full.
    private func preparedName(for key: PreparedStatements.Key, on connection: OpaquePointer) throws -> String? {
        if let name = prepared.name(for: key) { return name }
        guard !prepared.isFull else { return nil }
        let name = prepared.reserveName()
        _ = try finish(PQprepare(connection, name, key.sql, Int32(key.types.count), key.types), sql: key.sql)
        prepared.remember(key, as: name)
        return name
    }

    /// Turns a result into rows or an error, and clears it.
    private func finish(_ result: OpaquePointer?, sql: String) throws -> PostgresRows {
        guard let result else { throw LibPQ.error(of: nil, connection: handle!, sql: sql) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return LibPQ.rows(of: result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            abandonCopy(status)
            throw PostgresError.usage("COPY … FROM STDIN / TO STDOUT is not supported here; it was cancelled and the connection stays usable", statement: sql)
        default:
            throw LibPQ.error(of: result, connection: handle!, sql: sql)
        }
    }

    /// Ends a COPY the caller started by accident, so the connection is not left mid-protocol.
    private func abandonCopy(_ status: ExecStatusType) {
        guard let handle else { return }
        if status == PGRES_COPY_OUT {
            var buffer: UnsafeMutablePointer<CChar>?
            while PQgetCopyData(handle, &buffer, 0) > 0 { PQfreemem(buffer) }
        } else {
            _ = PQputCopyEnd(handle, "COPY through PostgresConnection is not supported")
        }
        while let leftover = PQgetResult(handle) { PQclear(leftover) }
    }

    // MARK: - Lifecycle

    /// After a lost connection, reconnects with PQreset (same parameters, a new server session)
    /// and re-applies the session settings. Everything session-scoped is gone: SET values such as
    /// search_path, temporary tables, advisory locks. Throws if the server is still away.
    public func reconnect() throws {
        guard let connection = handle else {
            throw PostgresError.usage("reconnect() on a closed connection to \(configuration.redactedURL); open a new one")
        }
        try exclusively {
            PQreset(connection)
            guard PQstatus(connection) == CONNECTION_OK else {
                let reason = LibPQ.message(PQerrorMessage(connection)) ?? "unknown reason"
                throw PostgresError(message: "could not reconnect to \(configuration.redactedURL): \(reason)", connectionLost: true)
            }
            if PQpipelineStatus(connection) != PQ_PIPELINE_OFF, PQexitPipelineMode(connection) != 1 {
                throw PostgresError(message: "could not leave pipeline mode after reconnecting to \(configuration.redactedURL)", connectionLost: true)
            }
        }
        abandoned = false
        prepared.removeAll()
        savepointDepth = 0
        pendingUnlocks = []
        try applySessionSettings()
        logger.info("reconnected to PostgreSQL", metadata: ["postgres.url": "\(configuration.redactedURL)", "postgres.pid": "\(backendPID)"])
    }

    /// PQfinish; idempotent. Later calls throw "closed".
    public func close() {
        guard let handle else { return }
        exclusively {
            PQfinish(handle)
            self.handle = nil
        }
    }

    // MARK: - Internals

    /// The handle, or the error to throw when there is no usable one: closed (a usage error),
    /// abandoned or known broken (a lost connection, so callers retry after reconnect()).
    func healthyHandle() throws -> OpaquePointer {
        let handle = try liveHandle()
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(message: "the connection to \(configuration.redactedURL) is lost; reconnect()", connectionLost: true)
        }
        return handle
    }

    func liveHandle(_ sql: String? = nil) throws -> OpaquePointer {
        guard let handle else {
            throw PostgresError.usage("the connection to \(configuration.redactedURL) is closed", statement: sql)
        }
        if abandoned {
            throw PostgresError(message: "the connection was abandoned after a pipeline broke off; reconnect()",
                                statement: sql.map(firstLine), connectionLost: true)
        }
        return handle
    }

    func exclusively<R>(_ body: () throws -> R) rethrows -> R {
        guard busy.try() else {
            preconditionFailure("PostgresConnection used from two threads at once; a connection belongs to one thread at a time")
        }
        defer { busy.unlock() }
        return try body()
    }
}
