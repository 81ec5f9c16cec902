/// A Swift type the generator writes: a struct for an object schema, an enum for a string enum.
enum SwiftDefinition {
    struct Property {
        let name: String
        let type: String
        let isOptional: Bool
        let documentation: String?
        /// A Swift expression the initializer offers when the argument is left out.
        let defaultValue: String?
    }

    struct Case {
        let rawValue: String
        let documentation: String?
    }

    case structure(name: String, documentation: String?, conformances: [String], messageType: (name: String, version: Int)?,
                   properties: [Property])
    case enumeration(name: String, documentation: String?, cases: [Case])

    var name: String {
        switch self {
        case .structure(let name, _, _, _, _), .enumeration(let name, _, _): name
        }
    }

    /// The code without documentation: two schemas that name the same type must agree on it.
    var shape: String { render(documented: false) }

    func render(documented: Bool = true) -> String {
        let (parent, simpleName) = split(name)
        var lines: [String] = []
        switch self {
        case let .structure(_, documentation, conformances, messageType, properties):
            if documented { lines += comment(documentation, indent: "") }
            lines.append("public struct \(simpleName): \(conformances.joined(separator: ", ")) {")
            if let messageType {
                lines.append("    public static let messageType = MessageType(\"\(messageType.name)\", version: \(messageType.version))")
            }
            for property in properties {
                if documented { lines += comment(property.documentation, indent: "    ") }
                lines.append("    public var \(identifier(property.name)): \(property.type)\(property.isOptional ? "?" : "")")
            }
            let parameters = properties.map { property in
                let type = "\(property.type)\(property.isOptional ? "?" : "")"
                let defaultValue = property.defaultValue ?? (property.isOptional ? "nil" : nil)
                return "\(identifier(property.name)): \(type)" + (defaultValue.map { " = \($0)" } ?? "")
            }
            lines.append("")
            let signature = "    public init(\(parameters.joined(separator: ", "))) {"
            lines += signature.count <= 120 ? [signature]
                : ["    public init("] + parameters.map { "        \($0)," } + ["    ) {"]
            lines += properties.map { "        self.\(identifier($0.name)) = \(identifier($0.name))" }
            lines.append("    }")
            lines.append("}")
        case let .enumeration(_, documentation, cases):
            if documented { lines += comment(documentation, indent: "") }
            lines.append("public enum \(simpleName): String, Codable, Sendable, CaseIterable {")
            for item in cases {
                if documented { lines += comment(item.documentation, indent: "    ") }
                let name = Self.caseName(item.rawValue)
                lines.append("    case \(identifier(name))" + (name == item.rawValue ? "" : " = \"\(item.rawValue)\""))
            }
            lines.append("}")
        }
        guard let parent else { return lines.joined(separator: "\n") }
        return (["extension \(parent) {"] + lines.map { $0.isEmpty ? $0 : "    " + $0 } + ["}"]).joined(separator: "\n")
    }

    /// `seat-not-in-cabin` → `seatNotInCabin`, `reminder-24h` → `reminder24h`.
    static func caseName(_ rawValue: String) -> String {
        let words = rawValue.split(whereSeparator: { "-_. ".contains($0) }).map(String.init)
        guard let first = words.first else { return rawValue }
        return first.lowercased() + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    private func split(_ name: String) -> (parent: String?, name: String) {
        guard let dot = name.lastIndex(of: ".") else { return (nil, name) }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }

    private func comment(_ text: String?, indent: String) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { "\(indent)/// \($0)" }
    }

    private func identifier(_ name: String) -> String {
        Self.keywords.contains(name) ? "`\(name)`" : name
    }

    private static let keywords: Set<String> = [
        "default", "internal", "private", "public", "static", "case", "class", "struct", "enum", "protocol", "extension",
        "func", "var", "let", "in", "is", "as", "return", "self", "Self", "true", "false", "nil", "repeat", "where",
    ]
}
