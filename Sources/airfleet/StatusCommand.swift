import AMQP
import ArgumentParser
import Fleet
import Foundation
import Postgres

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per context: queue depth, unacknowledged, consumers, retrying, dead letters, outbox backlog; webhook endpoints failing or disabled.",
        discussion: """
            Depth and consumers come from the broker in AIRFLEET_AMQP_URL; unacknowledged messages from \
            its management API when AIRFLEET_RABBITMQ_API (http://user:password@host:15672) is set, and \
            so, with --json, the metrics URL of each process consuming the context's queue. The \
            oldest dead letter is peeked and put back. The outbox backlog is read from each context's schema.
            """)

    @Flag(help: "One JSON object per context, for scripts.")
    var json = false

    @Option(help: "Refresh every N seconds until interrupted.")
    var watch: Int?

    @Option(name: .customLong("context"), help: "Only this context (repeatable).")
    var contexts: [String] = []

    func run() throws {
        let configuration = try Environment.load()
        let names = contexts.isEmpty ? try Contexts.names() : contexts
        let reader = try StatusReader(configuration: configuration)
        defer { reader.close() }
        repeat {
            let rows = try names.map { try reader.status(of: $0) }
            if watch != nil, !json { print("\u{1B}[2J\u{1B}[H", terminator: "") }
            print(json ? try StatusRow.json(rows) : StatusRow.table(rows))
            if let watch { Thread.sleep(forTimeInterval: Double(max(1, watch))) }
        } while watch != nil
    }
}

/// One context's figures; nil where the source is not available.
struct StatusRow: Codable {
    var context: String
    var ready: Int
    var unacknowledged: Int?
    var consumers: Int
    var retrying: Int
    var dead: Int
    var oldestDeadSeconds: Int?
    var outbox: Int?
    /// The metrics URL of each process consuming the context's queue (from the management API).
    var metrics: [String]?
    /// For the webhooks context: its endpoints, and those failing or disabled.
    var webhookEndpoints: WebhookEndpointsStatus?

    static func table(_ rows: [StatusRow]) -> String {
        func cell(_ value: Int?) -> String { value.map(String.init) ?? "-" }
        func age(_ seconds: Int?) -> String {
            guard let seconds else { return "-" }
            return seconds < 120 ? "\(seconds)s" : seconds < 7200 ? "\(seconds / 60)m" : "\(seconds / 3600)h"
        }
        let header = ["context", "ready", "unacked", "consumers", "retrying", "dead", "oldest dead", "outbox"]
        let lines = rows.map { [$0.context, cell($0.ready), cell($0.unacknowledged), cell($0.consumers), cell($0.retrying),
                                cell($0.dead), age($0.oldestDeadSeconds), cell($0.outbox)] }
        let widths = header.indices.map { column in ([header] + lines).map { $0[column].count }.max()! }
        let table = ([header] + lines).map { line in
            line.enumerated().map { column, text in
                column == 0 ? text.padding(toLength: widths[0], withPad: " ", startingAt: 0) : text.leftPadded(to: widths[column])
            }.joined(separator: "  ")
        }.joined(separator: "\n")
        return ([table] + rows.compactMap { $0.webhookEndpoints?.text }).joined(separator: "\n\n")
    }

    static func json(_ rows: [StatusRow]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try rows.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n")
    }
}
