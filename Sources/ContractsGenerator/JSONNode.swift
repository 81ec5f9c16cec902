import Yams

/// A JSON document whose objects keep their members in written order: a schema's property order
/// is the order of the Swift initializer's parameters.
indirect enum JSONNode {
    case object([(key: String, value: JSONNode)])
    case array([JSONNode])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// JSON is YAML, and Yams keeps a mapping's order where Foundation's JSON reader does not.
    init(parsing text: String) throws {
        guard let node = try Yams.compose(yaml: text) else { throw GeneratorError("the file is empty") }
        self = try JSONNode(node)
    }

    private init(_ node: Node) throws {
        switch node {
        case .mapping(let mapping):
            self = .object(try mapping.map { key, value in (key.string ?? "", try JSONNode(value)) })
        case .sequence(let sequence):
            self = .array(try sequence.map(JSONNode.init))
        case .scalar(let scalar):
            switch (scalar.style, scalar.string) {
            case (.singleQuoted, _), (.doubleQuoted, _): self = .string(scalar.string)
            case (_, "true"): self = .bool(true)
            case (_, "false"): self = .bool(false)
            case (_, "null"): self = .null
            default: self = .number(scalar.string)
            }
        case .alias:
            throw GeneratorError("YAML aliases are not JSON")
        }
    }

    subscript(key: String) -> JSONNode? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var members: [(key: String, value: JSONNode)] {
        if case .object(let members) = self { return members }
        return []
    }

    var elements: [JSONNode] {
        if case .array(let elements) = self { return elements }
        return []
    }

    /// The node a JSON pointer such as `#/$defs/passenger` names within this document.
    func resolving(pointer: String) -> JSONNode? {
        pointer.dropFirst(2).split(separator: "/").reduce(self as JSONNode?) { node, part in
            node?[part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
        }
    }
}

struct GeneratorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
