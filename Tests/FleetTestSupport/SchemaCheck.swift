import Fleet
import Foundation

/// The repository's Schemas/ folder and its validator, as the schema tests run them.
public enum SchemaCheck {
    /// Schemas/ at the top of the repository.
    public static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Schemas")

    /// Runs Schemas/validate.py on documents against a schema (a path under Schemas/, such as
    /// `flights/seats.hold.v1.schema.json`); returns its exit status and what it printed.
    public static func validate(_ documents: [Data], against schema: String) throws -> (status: Int32, output: String) {
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("schema-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let paths = try documents.enumerated().map { index, document in
            let file = temporary.appendingPathComponent("\(index).json")
            try document.write(to: file)
            return file.path
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [folder.appendingPathComponent("validate.py").path, folder.appendingPathComponent(schema).path] + paths
        return try process.runCapturingOutput()
    }
}

extension SchemaCheck {
    /// What the fleet's encoder makes of each sample, validated against
    /// `<context>/<name>.schema.json`: each schema's complaints, and every schema of the context
    /// left without samples. Empty when all is well.
    public static func problems(encoding samples: [(String, [any Encodable])], context: String) throws -> [String] {
        var problems: [String] = []
        for (name, values) in samples {
            let documents = try values.map { try FleetJSON.encoder().encode(EncodableBox(value: $0)) }
            let result = try validate(documents, against: "\(context)/\(name).schema.json")
            if result.status != 0 { problems.append("\(name): \(result.output)") }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(context).path)
            .filter { $0.hasSuffix(".schema.json") }.map { String($0.dropLast(".schema.json".count)) }
        problems += Set(files).subtracting(samples.map(\.0)).sorted().map { "\($0): no sample encodes to this schema" }
        return problems
    }

    private struct EncodableBox: Encodable {
        let value: any Encodable
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }
}
