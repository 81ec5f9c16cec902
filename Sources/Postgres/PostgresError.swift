import Foundation

/// A failure reported by PostgreSQL or libpq, or a misuse of this module, with enough context to
/// act on it without reproducing it: what failed (SQLSTATE, message, detail, hint) and on what
/// (the first line of the statement, the pipeline position).
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// The five-character SQLSTATE; nil for failures that never reached the server.
    public let sqlState: String?
    public let message: String
    public let detail: String?
    public let hint: String?
    /// The first line of the SQL that failed.
    public let statement: String?
    /// PG_DIAG_CONSTRAINT_NAME, for integrity violations.
    public let constraint: String?
    /// PG_DIAG_TABLE_NAME, when the server names one.
    public let table: String?
    /// ERROR, FATAL or PANIC (never localized).
    public let severity: String?
    /// Index in the array given to `pipeline(_:)` of the statement that failed.
    public let pipelineIndex: Int?
    /// Where it happened, beyond the statement (the pipeline position, the transaction state).
    public let context: String?
    /// Set when libpq saw the connection break, whatever the server said before it went.
    let brokeConnection: Bool

    public init(
        message: String,
        sqlState: String? = nil,
        detail: String? = nil,
        hint: String? = nil,
        statement: String? = nil,
        constraint: String? = nil,
        table: String? = nil,
        severity: String? = nil,
        pipelineIndex: Int? = nil,
        context: String? = nil,
        connectionLost: Bool = false
    ) {
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.statement = statement
        self.constraint = constraint
        self.table = table
        self.severity = severity
        self.pipelineIndex = pipelineIndex
        self.context = context
        self.brokeConnection = connectionLost
    }

    /// The connection is gone (or never came): reconnect before using it again. A transaction that
    /// was open is lost; if this came from COMMIT, the commit may or may not have happened.
    public var isConnectionLost: Bool {
        if brokeConnection { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(sqlState)
    }

    /// Running the same work again (in a new transaction, after reconnecting if need be) may succeed.
    public var isRetryable: Bool {
        isConnectionLost || ["40001", "40P01", "57P01", "57P02", "57P03"].contains(sqlState ?? "")
    }

    public var isUniqueViolation: Bool { sqlState == "23505" }

    public var description: String {
        var text: String
        if let sqlState {
            let name = Self.conditionNames[sqlState].map { " (\($0))" } ?? ""
            text = "PostgreSQL \(severity ?? "ERROR") \(sqlState)\(name): \(message)"
        } else if brokeConnection {
            text = "PostgreSQL connection lost: \(message)"
        } else {
            text = "PostgreSQL: \(message)"
        }
        if let detail { text += "; detail: \(detail)" }
        if let hint { text += "; hint: \(hint)" }
        if let constraint { text += "; constraint: \(constraint)" }
        if let context { text += "; \(context)" }
        if let statement { text += "; statement: \(statement)" }
        return text
    }

    /// The same error with a statement and context attached (kept if already set), and saying
    /// the connection is gone when `connectionLost`.
    func with(statement: String? = nil, pipelineIndex: Int? = nil, context: String? = nil, connectionLost: Bool = false) -> PostgresError {
        PostgresError(
            message: message, sqlState: sqlState, detail: detail, hint: hint,
            statement: self.statement ?? statement, constraint: constraint, table: table, severity: severity,
            pipelineIndex: self.pipelineIndex ?? pipelineIndex, context: self.context ?? context,
            connectionLost: brokeConnection || connectionLost)
    }

    /// A misuse of the API or an unexpected libpq answer: never retryable.
    static func usage(_ message: String, statement: String? = nil) -> PostgresError {
        PostgresError(message: message, statement: statement.map(firstLine))
    }

    /// The names of the conditions a reader meets most, so a log line explains itself.
    static let conditionNames: [String: String] = [
        "08000": "connection_exception", "08003": "connection_does_not_exist", "08006": "connection_failure",
        "08001": "sqlclient_unable_to_establish_sqlconnection", "08004": "sqlserver_rejected_establishment_of_sqlconnection",
        "22001": "string_data_right_truncation", "22003": "numeric_value_out_of_range", "22007": "invalid_datetime_format",
        "22008": "datetime_field_overflow", "22P02": "invalid_text_representation", "22P05": "untranslatable_character",
        "23502": "not_null_violation", "23503": "foreign_key_violation", "23505": "unique_violation",
        "23514": "check_violation", "23P01": "exclusion_violation", "25P02": "in_failed_sql_transaction",
        "25006": "read_only_sql_transaction", "28P01": "invalid_password", "3D000": "invalid_catalog_name",
        "40001": "serialization_failure", "40P01": "deadlock_detected", "42601": "syntax_error",
        "42501": "insufficient_privilege", "42703": "undefined_column", "42883": "undefined_function",
        "42P01": "undefined_table", "42P07": "duplicate_table", "55P03": "lock_not_available",
        "57014": "query_canceled", "57P01": "admin_shutdown", "57P02": "crash_shutdown", "57P03": "cannot_connect_now",
        "P0001": "raise_exception",
    ]
}

/// The first non-blank line of a statement, trimmed, with "…" when more follows; what error
/// messages quote so that a 200-line migration does not flood the log.
func firstLine(_ sql: String) -> String {
    let lines = sql.split(separator: "\n", omittingEmptySubsequences: false)
    guard let index = lines.firstIndex(where: { !$0.allSatisfy(\.isWhitespace) }) else { return "" }
    var line = lines[index].trimmingCharacters(in: .whitespacesAndNewlines)
    let more = lines[(index + 1)...].contains(where: { !$0.allSatisfy(\.isWhitespace) })
    if line.count > 200 {
        line = String(line.prefix(200)) + " …"
    } else if more {
        line += " …"
    }
    return line
}
