import Foundation

/// Writes the Swift types of every message from the JSON Schemas in Schemas/, which are the
/// contracts' one source: `generate-contracts SCHEMAS OUTPUT`.
@main
enum GenerateContracts {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard arguments.count == 2, let folder = arguments.first, let output = arguments.last else {
            fail("usage: generate-contracts SCHEMAS-FOLDER OUTPUT-FILE")
        }
        do {
            let files = try SchemaFile.all(in: URL(fileURLWithPath: folder))
            let builder = try ContractsBuilder(files: files)
            let code = SwiftFile(builder: builder).render()
            let url = URL(fileURLWithPath: output)
            if (try? String(contentsOf: url, encoding: .utf8)) != code {
                try code.write(to: url, atomically: true, encoding: .utf8)
            }
        } catch {
            fail("Schemas/\(error)")
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
