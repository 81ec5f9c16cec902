/// Schemas/README.md: every message by context, kind and wire name, with what it is, for
/// publishers who read the repository rather than the Swift code.
struct MessageIndex {
    let files: [SchemaFile]

    static let fileName = "README.md"

    func render() -> String {
        var lines = [
            "# Messages",
            "",
            "<!-- Generated from the schemas by `swift run generate-contracts --index Schemas`; the tests fail when it is stale. -->",
            "",
            "Every message is a CloudEvents 1.0 document ([envelope.schema.json](envelope.schema.json)) whose `data`",
            "is described by the JSON Schema named here, with examples. Commands and queries go to the context",
            "that owns them; events are published by it. A query's answer is described by its `.response` schema.",
            "`validate.py SCHEMA FILE…` checks a document against one.",
        ]
        for context in Array(Set(files.map(\.context))).sorted() {
            lines += ["", "## \(context)", "", "| type | kind | schema | what it is |", "|---|---|---|---|"]
            for file in files where file.context == context {
                guard case .message(let kind) = file.role else { continue }
                let answer = files.first { $0.role == .response && $0.context == context && $0.wireName == file.wireName }
                let schemas = ([file] + (answer.map { [$0] } ?? [])).map { "[\($0.role == .response ? "answer" : "data")](\($0.path))" }
                lines.append("| `\(file.wireName)` | \(kind) | \(schemas.joined(separator: ", ")) | \(summary(of: file)) |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The first sentence the schema says of the message itself.
    private func summary(of file: SchemaFile) -> String {
        let text = ContractsBuilder.documentation(file.root["description"]?.string) ?? ""
        let sentence = text.range(of: ". ").map { String(text[..<$0.lowerBound]) + "." } ?? text
        return sentence.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
