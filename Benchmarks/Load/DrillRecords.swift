import Fleet
import Foundation
import Logging
import Postgres

/// What `airfleet-load drill` wrote (`DrillReport`), as the checks read it back.
struct DrillRecord: Decodable {
    struct Booking: Decodable {
        var key: String
        var flightId: String
        var accepted: Bool
        var bookingId: String?

        /// The booking id the ingress gave, if it gave one that is not empty.
        var knownId: String? { bookingId.flatMap { $0.isEmpty ? nil : $0 } }
    }

    /// An answer other than 200, 201 or 202, or a request without an answer.
    struct Event: Codable {
        var at: Double
        var key: String?
        var status: Int?
        var retryAfter: String?
        var error: String?
        var detail: String?

        /// A Retry-After that says something: an empty one tells the client nothing.
        var hasRetryAfter: Bool { !(retryAfter ?? "").isEmpty }
    }

    struct Unavailable: Decodable {
        var withRetryAfter: Int
        var withoutRetryAfter: Int
    }

    var run: String
    var requested: Int
    var accepted: Int
    var startedAt: Double
    var finishedAt: Double
    var customers: [String]
    var bookings: [Booking]
    var statuses: [String: Int]
    var unavailable: Unavailable
    var internalErrors: Int
    var otherServerErrors: [String: Int]
    var timeouts: Int
    var connectionErrors: Int
    var events: [Event]

    static func read(_ path: String) throws -> DrillRecord {
        try JSONDecoder().decode(DrillRecord.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// One fault ops/chaos caused: a line of its faults file.
struct DrillFault: Codable {
    var at: Double
    var fault: String
    var target: String
    var detail: String?

    static func read(_ path: String) throws -> [DrillFault] {
        let decoder = JSONDecoder()
        return try lines(path).map { try decoder.decode(DrillFault.self, from: $0) }
    }

    /// The faults as written, every field kept, for the result file.
    static func raw(_ path: String) throws -> [Any] {
        try lines(path).map { try JSONSerialization.jsonObject(with: $0) }
    }

    private static func lines(_ path: String) throws -> [Data] {
        try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline)
            .filter { !$0.allSatisfy(\.isWhitespace) }.map { Data($0.utf8) }
    }
}

/// The fleet's databases as the checks read them: each context's schema on its own server
/// (`AIRFLEET_<CONTEXT>_DATABASE_URL`, else `AIRFLEET_DATABASE_URL`), one connection per server.
/// No query joins two contexts' schemas, since they need not share a server.
final class DrillDatabase {
    private let configuration: FleetConfiguration
    private var connections: [String: PostgresConnection] = [:]

    init() throws {
        configuration = try FleetConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
    }

    /// The connection to the server of `context`'s schema, opened on first use.
    func connection(for context: String) throws -> PostgresConnection {
        let url = configuration.databaseURLs.url(for: context)
        if let open = connections[url] { return open }
        var settings = try configuration.database(for: context)
        settings.applicationName = "airfleet-drill-checks"
        // A check that cannot get its answer fails instead of holding the drill up.
        settings.settings["statement_timeout"] = "120s"
        var logger = Logger(label: "airfleet-load")
        logger.logLevel = .warning
        let opened = try PostgresConnection(settings, logger: logger)
        connections[url] = opened
        return opened
    }

    func close() {
        connections.values.forEach { $0.close() }
        connections = [:]
    }

    /// Rows of a query of `context`'s schema, as text, NULL as "".
    func rows(in context: String, _ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws -> [[String]] {
        try connection(for: context).query(sql, parameters).map { row in (0..<row.columns.count).map { row[$0] ?? "" } }
    }

    func count(in context: String, _ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws -> Int {
        try number(rows(in: context, sql, parameters).first?.first ?? "0")
    }

    /// A whole number the database gave as text; anything else is an error, not a zero.
    func number(_ text: String) throws -> Int {
        guard let value = Int(text) else { throw DrillCheckError("the database answered '\(text)' where a whole number was due") }
        return value
    }
}

struct DrillCheckError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The first few of a list, and an ellipsis when there are more: how a failed check shows examples.
func sample(_ items: [String], _ count: Int = 5) -> String {
    let shown = items.prefix(count).map { "'\($0)'" } + (items.count > count ? ["'…'"] : [])
    return "[\(shown.joined(separator: ", "))]"
}

/// Counts by name as `{a: 1, b: 2}`, in name order.
func describe(_ counts: [String: Int]) -> String {
    "{" + counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
}
