import Foundation
import Hummingbird

/// A submitted form (`application/x-www-form-urlencoded`): its fields by name.
struct ConsoleForm: Sendable {
    static let limit = 16 * 1024

    private let fields: [String: String]

    init(_ request: Request) async throws {
        let buffer = try await request.body.collect(upTo: Self.limit)
        var fields: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        self.fields = fields
    }

    subscript(_ name: String) -> String? { fields[name] }

    /// The field's text, trimmed; nil when absent or empty.
    func text(_ name: String) -> String? {
        let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return value.isEmpty ? nil : value
    }
}
