import Foundation

/// One schema of Schemas/<context>/: the data of a message (`booking.create.v1.schema.json`) or
/// the answer to a query (`booking.get.v1.response.schema.json`).
struct SchemaFile {
    enum Role: Equatable {
        case message(kind: String)
        case response
    }

    /// The path below Schemas/, as errors name it.
    let path: String
    let context: String
    /// The wire name without its version, such as `booking.create`.
    let name: String
    let version: Int
    let role: Role
    let root: JSONNode

    static let kinds = ["command", "event", "query"]

    init(path: String, text: String) throws {
        self.path = path
        let parts = path.split(separator: "/")
        guard parts.count == 2 else { throw GeneratorError("\(path): a message's schema lives in Schemas/<context>/") }
        context = String(parts[0])
        var stem = parts[1].dropLast(".schema.json".count)
        let isResponse = stem.hasSuffix(".response")
        if isResponse { stem = stem.dropLast(".response".count) }
        guard let dot = stem.lastIndex(of: "."), stem[stem.index(after: dot)...].hasPrefix("v"),
              let version = Int(stem[stem.index(dot, offsetBy: 2)...]) else {
            throw GeneratorError("\(path): the file name must be <type>.v<version>.schema.json")
        }
        name = String(stem[..<dot])
        self.version = version
        do {
            root = try JSONNode(parsing: text)
        } catch {
            throw GeneratorError("\(path): not JSON: \(error)")
        }
        if isResponse {
            role = .response
        } else {
            guard let kind = root["x-message-kind"]?.string, Self.kinds.contains(kind) else {
                throw GeneratorError("\(path): x-message-kind must be one of \(Self.kinds.joined(separator: ", "))")
            }
            role = .message(kind: kind)
        }
    }

    var wireName: String { "\(name).v\(version)" }

    /// Every schema below the folder, in a stable order.
    static func all(in folder: URL) throws -> [SchemaFile] {
        let contexts = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        return try contexts.flatMap { context -> [SchemaFile] in
            let directory = folder.appendingPathComponent(context)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                return []
            }
            return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
                .filter { $0.hasSuffix(".schema.json") }
                .map { file in
                    let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                    return try SchemaFile(path: "\(context)/\(file)", text: text)
                }
        }
    }
}
