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
