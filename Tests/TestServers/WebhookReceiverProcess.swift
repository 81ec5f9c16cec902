import Foundation

/// Tests/HTTPReceivers/webhook_receiver.py, an HTTP endpoint that checks Standard Webhooks
/// signatures and answers as its paths say (200, 500 twice then 200, a hang, 410, a redirect,
/// 429), run with the system's Python. It records every request it gets.
public final class WebhookReceiverProcess {
    public struct Request: Decodable, Equatable, Sendable {
        public let path: String
        public let id: String?
        public let timestamp: String?
        /// nil when the request carried no signature.
        public let signatureValid: Bool?
        public let contentType: String?
        public let status: Int
        public let body: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private let process = Process()
    private let folder: URL
    public let port: Int

    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("HTTPReceivers/webhook_receiver.py")

    /// - Parameter secrets: the `whsec_…` secrets a signature may verify under.
    public init(secrets: [String] = []) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("airfleet-receiver-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let portFile = folder.appendingPathComponent("port")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.script.path, portFile.path, folder.appendingPathComponent("requests.jsonl").path] + secrets
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while (try? String(contentsOf: portFile, encoding: .utf8)) == nil {
            guard process.isRunning, Date() < deadline else { throw Failure(description: "the webhook receiver (\(Self.script.path)) did not start") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        port = Int(try String(contentsOf: portFile, encoding: .utf8)) ?? 0
    }

    /// `http://127.0.0.1:<port><path>`.
    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Every request so far, oldest first.
    public func requests() throws -> [Request] {
        let text = try String(contentsOf: folder.appendingPathComponent("requests.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    /// Adds a secret a signature may verify under from now on, such as one an endpoint's
    /// registration revealed after the receiver started.
    public func trust(_ secret: String) throws {
        let file = folder.appendingPathComponent("requests.jsonl.secrets")
        let lines = ((try? String(contentsOf: file, encoding: .utf8)) ?? "") + secret + "\n"
        try lines.write(to: file, atomically: true, encoding: .utf8)
    }

    /// Forgets the secrets `trust` added.
    public func distrustAdded() throws {
        try? FileManager.default.removeItem(at: folder.appendingPathComponent("requests.jsonl.secrets"))
    }

    public func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }

    deinit { stop() }
}
