import Foundation

/// Writes the Swift types of every message from the JSON Schemas in Schemas/, which are the
/// contracts' one source:
///
/// - `generate-contracts SCHEMAS OUTPUT` writes the Swift file (the Contracts build plugin runs it);
/// - `generate-contracts --index SCHEMAS` writes SCHEMAS/README.md, the index of every message.
@main
enum GenerateContracts {
    static let usage = "usage: generate-contracts SCHEMAS-FOLDER OUTPUT-FILE | generate-contracts --index SCHEMAS-FOLDER"

    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count == 2 else { fail(usage) }
        do {
            if arguments[0] == "--index" {
                let folder = URL(fileURLWithPath: arguments[1])
                let index = MessageIndex(files: try SchemaFile.all(in: folder)).render()
                try write(index, to: folder.appendingPathComponent(MessageIndex.fileName))
            } else {
                let builder = try ContractsBuilder(files: try SchemaFile.all(in: URL(fileURLWithPath: arguments[0])))
                try write(SwiftFile(builder: builder).render(), to: URL(fileURLWithPath: arguments[1]))
            }
        } catch {
            fail("Schemas/\(error)")
        }
    }

    /// Leaves an unchanged file alone, so the build does not recompile what did not change.
    private static func write(_ text: String, to url: URL) throws {
        if (try? String(contentsOf: url, encoding: .utf8)) != text {
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        exit(1)
    }
}

/// The generated file: every type, the query answers, the catalogue and the list of messages.
struct SwiftFile {
    let builder: ContractsBuilder

    func render() -> String {
        var sections = ["""
            // Generated from Schemas/ by generate-contracts at build time; edit the schemas instead.
            import Fleet
            import Foundation
            """]
        sections += builder.definitions.keys.sorted().map { builder.definitions[$0]!.definition.render() }
        sections += builder.responseAliases.map { "extension \($0.query) {\n    public typealias Response = \($0.response)\n}" }
        sections.append(catalogue())
        return sections.joined(separator: "\n\n") + "\n"
    }

    private func catalogue() -> String {
        let contexts = Array(Set(builder.messages.map(\.file.context))).sorted()
        let entries = contexts.map { context in
            let messages = builder.messages.filter { $0.file.context == context }
            let list = { (kind: String) in
                messages.filter { $0.kind == kind }.map { "\($0.swiftName).messageType" }.joined(separator: ", ")
            }
            return "        ContextTopology(name: \"\(context)\", commands: [\(list("command"))], queries: [\(list("query"))]),"
        }
        let all = builder.messages.map { "        \($0.swiftName).self," }
        return """
            extension Catalogue {
                /// Each context's commands and queries: Schemas/<context>/ holds the context's messages.
                public static let contexts: [ContextTopology] = [
            \(entries.joined(separator: "\n"))
                ]
            }

            extension MessageTypes {
                /// Every message with a schema in Schemas/.
                public static let all: [any Message.Type] = [
            \(all.joined(separator: "\n"))
                ]
            }
            """
    }
}
