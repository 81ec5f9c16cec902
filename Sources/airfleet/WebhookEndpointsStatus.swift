import Fleet
import Foundation
import Postgres

/// The webhooks context's endpoints as `airfleet status` shows them: how many, and each one that
/// is failing or was disabled for failing, with why.
struct WebhookEndpointsStatus: Codable {
    struct Trouble: Codable {
        var webhookId: UUID
        var url: String
        var state: String
        var failingSince: Date?
        var disabledAt: Date?
        var pendingDeliveries: Int
        var lastError: String?
    }

    var total: Int
    var troubled: [Trouble]

    static func read(from database: PostgresConnection, schema: String) throws -> WebhookEndpointsStatus? {
        let table = "\"\(schema)\".webhook_endpoints"
        guard try database.query("SELECT to_regclass($1) IS NOT NULL", table).first?.decode(Bool.self, at: 0) == true else { return nil }
        let total = try database.query("SELECT count(*) FROM \(table)").first?.decode(Int.self, at: 0) ?? 0
        let troubled = try database.query(
            """
            SELECT e.webhook_id, e.url, e.state, e.failing_since, e.disabled_at, e.last_error,
                (SELECT count(*) FROM "\(schema)".webhook_deliveries d WHERE d.webhook_id = e.webhook_id AND d.state = 'pending') AS pending
            FROM \(table) e WHERE e.state = 'disabled' OR e.failing_since IS NOT NULL
            ORDER BY e.state DESC, e.failing_since
            """
        ).map { row in
            Trouble(webhookId: try row.decode(UUID.self, column: "webhook_id"), url: try row.decode(String.self, column: "url"),
                    state: try row.decode(String.self, column: "state"), failingSince: try row.decode(Date?.self, column: "failing_since"),
                    disabledAt: try row.decode(Date?.self, column: "disabled_at"), pendingDeliveries: try row.decode(Int.self, column: "pending"),
                    lastError: try row.decode(String?.self, column: "last_error"))
        }
        return WebhookEndpointsStatus(total: total, troubled: troubled)
    }

    /// A few lines under the contexts' table; nothing to say when every endpoint delivers.
    var text: String? {
        guard !troubled.isEmpty else { return nil }
        let disabled = troubled.filter { $0.state == "disabled" }.count
        var lines = ["webhook endpoints: \(total), \(disabled) disabled, \(troubled.count - disabled) failing"]
        for trouble in troubled {
            let since = trouble.state == "disabled"
                ? "disabled \(trouble.disabledAt.map(FleetJSON.formatTimestamp) ?? "")"
                : "failing since \(trouble.failingSince.map(FleetJSON.formatTimestamp) ?? "")"
            lines.append("  \(trouble.webhookId.lowercasedString)  \(trouble.url)  \(since), \(trouble.pendingDeliveries) pending")
            if let error = trouble.lastError { lines.append("    last error: \(error.prefix(200))") }
        }
        if disabled > 0 {
            lines.append("  a disabled endpoint gets nothing; `airfleet dlq replay --context webhooks` sends its dead letters again and enables it")
        }
        return lines.joined(separator: "\n")
    }
}
