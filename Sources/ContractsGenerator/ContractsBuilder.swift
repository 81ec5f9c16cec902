/// Turns the schemas into Swift definitions, following the `x-swift-*` annotations:
///
/// - `x-message-kind` on a message's schema: `command`, `event` or `query`;
/// - `x-swift-type` names the Swift type of an object, an enum or a whole schema (nested types
///   as `PaymentDeclined.Reason`), or a plain type such as `String` for an enum the contract
///   checks itself;
/// - `x-swift-conformances` adds protocols Swift can synthesize, such as `Hashable`;
/// - `x-swift-default` is the initializer's default for the property;
/// - `x-enum-descriptions` documents an enum's values.
struct ContractsBuilder {
    struct Message {
        let file: SchemaFile
        let kind: String
        let swiftName: String
    }

    private(set) var definitions: [String: (definition: SwiftDefinition, origin: String)] = [:]
    private(set) var messages: [Message] = []
    /// A query's answer when it is not a type nested in the query: `(query, answer)`.
    private(set) var responseAliases: [(query: String, response: String)] = []
    private let files: [SchemaFile]

    private static let plainTypes: Set<String> = ["String", "Int", "Double", "Bool", "UUID", "Date"]
    private static let uuidPattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

    init(files: [SchemaFile]) throws {
        self.files = files
        for file in files {
            guard case .message(let kind) = file.role else { continue }
            let name = try rootName(of: file)
            try define(structureAt: file.root, named: name, in: file, at: "",
                       conformances: [kind.prefix(1).uppercased() + kind.dropFirst(), "Equatable"],
                       messageType: (file.name, file.version))
            messages.append(Message(file: file, kind: kind, swiftName: name))
        }
        for file in files where file.role == .response {
            guard let query = messages.first(where: {
                $0.kind == "query" && $0.file.context == file.context && $0.file.wireName == file.wireName
            }) else {
                throw GeneratorError("\(file.path): answers no query: \(file.context)/\(file.wireName).schema.json must be a query")
            }
            let name = try rootName(of: file)
            try define(structureAt: file.root, named: name, in: file, at: "", conformances: ["Codable", "Sendable", "Equatable"],
                       messageType: nil)
            if name != "\(query.swiftName).Response" { responseAliases.append((query.swiftName, name)) }
        }
    }

    private func rootName(of file: SchemaFile) throws -> String {
        guard let name = file.root["x-swift-type"]?.string else { throw GeneratorError("\(file.path): x-swift-type is missing") }
        return name
    }

    private mutating func define(structureAt node: JSONNode, named name: String, in file: SchemaFile, at path: String,
                                 conformances: [String], messageType: (String, Int)?) throws {
        let required = Set((node["required"]?.elements ?? []).compactMap(\.string))
        let properties = try (node["properties"]?.members ?? []).map { key, value in
            let (resolved, _, _) = try resolve(value, in: file, at: "\(path)/properties/\(key)")
            return SwiftDefinition.Property(
                name: key,
                type: try swiftType(of: value, in: file, at: "\(path)/properties/\(key)"),
                isOptional: !required.contains(key),
                documentation: (value["description"] ?? resolved["description"])?.string,
                defaultValue: value["x-swift-default"]?.string)
        }
        let extra = (node["x-swift-conformances"]?.elements ?? []).compactMap(\.string)
        try add(.structure(name: name, documentation: Self.documentation(node["description"]?.string), conformances: conformances + extra,
                           messageType: messageType, properties: properties),
                from: "\(file.path)#\(path)")
    }

    /// A schema's description without its opening sentence about the envelope, which Swift
    /// readers do not need.
    static func documentation(_ description: String?) -> String? {
        guard let description, description.hasPrefix("The data of") || description.hasPrefix("The `data` member"),
              let end = description.range(of: ". ") else { return description }
        return String(description[end.upperBound...])
    }

    private mutating func add(_ definition: SwiftDefinition, from origin: String) throws {
        if let existing = definitions[definition.name] {
            guard existing.definition.shape == definition.shape else {
                throw GeneratorError("\(origin) and \(existing.origin) describe \(definition.name) differently:\n"
                                     + "\(definition.shape)\n---\n\(existing.definition.shape)")
            }
            return
        }
        definitions[definition.name] = (definition, origin)
    }

    /// The node a `$ref` leads to (followed to the end), the file it is in and its path there.
    private func resolve(_ node: JSONNode, in file: SchemaFile, at path: String) throws -> (JSONNode, SchemaFile, String) {
        guard let reference = node["$ref"]?.string else { return (node, file, path) }
        if reference.hasPrefix("#/") {
            guard let target = file.root.resolving(pointer: reference) else {
                throw GeneratorError("\(file.path)#\(path): $ref \(reference) leads nowhere")
            }
            return try resolve(target, in: file, at: reference)
        }
        let fileName = reference.split(separator: "/").last.map(String.init) ?? reference
        guard let target = files.first(where: { $0.context == file.context && $0.path.hasSuffix("/\(fileName)") })
                ?? files.first(where: { $0.path.hasSuffix("/\(fileName)") }) else {
            throw GeneratorError("\(file.path)#\(path): $ref \(reference) names no schema of Schemas/")
        }
        return try resolve(target.root, in: target, at: "")
    }

    private mutating func swiftType(of site: JSONNode, in file: SchemaFile, at path: String) throws -> String {
        let (node, home, homePath) = try resolve(site, in: file, at: path)
        if let name = site["x-swift-type"]?.string ?? node["x-swift-type"]?.string {
            if Self.plainTypes.contains(name) { return name }
            if node["properties"] != nil {
                // Another message's whole data (a query that carries a command) is that message's type.
                let isMessage = homePath.isEmpty && home.role != .response
                if !isMessage {
                    try define(structureAt: node, named: name, in: home, at: homePath,
                               conformances: ["Codable", "Sendable", "Equatable"], messageType: nil)
                }
            } else if let values = node["enum"]?.elements.compactMap(\.string), !values.isEmpty {
                let notes = node["x-enum-descriptions"]
                try add(.enumeration(name: name, documentation: node["description"]?.string,
                                     cases: values.map { .init(rawValue: $0, documentation: notes?[$0]?.string) }),
                        from: "\(home.path)#\(homePath)")
            }
            return name
        }
        let type = node["type"]?.string
        switch type {
        case "string":
            if node["enum"] != nil { throw GeneratorError("\(file.path)#\(path): an enum needs x-swift-type") }
            if node["format"]?.string == "date-time" { return "Date" }
            if node["format"]?.string == "uuid" || node["pattern"]?.string == Self.uuidPattern { return "UUID" }
            return "String"
        case "integer": return "Int"
        case "number": return "Double"
        case "boolean": return "Bool"
        case "array":
            guard let items = node["items"] else { throw GeneratorError("\(file.path)#\(path): an array needs items") }
            return "[\(try swiftType(of: items, in: home, at: "\(homePath)/items"))]"
        case "object":
            guard node["properties"] == nil, let values = node["additionalProperties"], case .object = values else {
                throw GeneratorError("\(file.path)#\(path): an object with properties needs x-swift-type")
            }
            return "[String: \(try swiftType(of: values, in: home, at: "\(homePath)/additionalProperties"))]"
        default:
            if node["enum"] != nil { throw GeneratorError("\(file.path)#\(path): an enum needs x-swift-type") }
            throw GeneratorError("\(file.path)#\(path): no Swift type for type \(type ?? "(none)")")
        }
    }
}
