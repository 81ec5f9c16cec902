import Foundation

/// How long the fleet stopped confirming when a broker node died: from each node's SIGKILL to the
/// confirmation of the first booking the fleet created after it. A cluster of three carries on
/// with one node down, so this is the time the processes on that node took to reach another and
/// the queues it led took to elect new leaders, plus one booking's own time.
enum FailoverCheck {
    /// The longest a node's death may stop confirmations.
    static let limit = 10.0

    /// The kills of broker nodes among the faults (`sigkill rabbitmq-node-<n>`).
    static func nodeKills(_ faults: [DrillFault]) -> [DrillFault] {
        faults.filter { $0.fault == "sigkill" && $0.target.hasPrefix("rabbitmq-node-") }
    }

    /// Seconds from each kill to the next confirmation (nil: none came), or nothing when no node
    /// was killed.
    static func run(_ database: DrillDatabase, _ load: DrillRecord, _ faults: [DrillFault], _ verdicts: DrillVerdicts) throws -> [Double?] {
        let kills = nodeKills(faults)
        guard !kills.isEmpty else { return [] }
        var times: [Double?] = []
        for kill in kills {
            let next = try database.rows(in: "bookings", """
                SELECT extract(epoch FROM min(confirmed_at)) FROM bookings.bookings
                WHERE customer_id = ANY($1::uuid[]) AND state = 'confirmed' AND created_at >= to_timestamp($2)
                """, [load.customers, kill.at]).first?.first ?? ""
            times.append(Double(next).map { (($0 - kill.at) * 10).rounded() / 10 })
        }
        let described = zip(kills, times).map { kill, time in
            "\(kill.target): \(time.map { "\($0) s" } ?? "no booking confirmed after it")"
        }
        let passed = times.allSatisfy { ($0 ?? .infinity) <= limit }
        verdicts.add("failover", passed: passed,
                     "from a node's death to the next booking confirmed: \(described.joined(separator: ", ")) (limit \(Int(limit)) s)",
                     facts: ["seconds": times.map { $0 as Any? ?? NSNull() }])
        return times
    }
}
