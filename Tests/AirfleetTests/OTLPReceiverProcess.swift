import Foundation

/// Tests/OTLPReceiver/otlp_receiver.py, an OTLP/HTTP trace receiver built on opentelemetry-proto,
/// run by the Python that ops/test installed it for (`AIRFLEET_TEST_OTLP_PYTHON`). It writes
/// each span it receives as a JSON line.
final class OTLPReceiverProcess {
    struct Span: Decodable, Equatable {
        let service: String?
        let traceId: String
        let spanId: String
        let parentSpanId: String
        let name: String
        let kind: String
        let status: Int
    }

    private let process = Process()
    private let folder: URL
    let endpoint: String

    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("OTLPReceiver/otlp_receiver.py")

    init() throws {
        guard let python = ProcessInfo.processInfo.environment["AIRFLEET_TEST_OTLP_PYTHON"], !python.isEmpty else {
            throw ReceiverError("AIRFLEET_TEST_OTLP_PYTHON is not set: this test needs the Python with opentelemetry-proto that ops/test installs; run it through ops/test")
        }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("airfleet-otlp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let portFile = folder.appendingPathComponent("port")
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.script.path, portFile.path, folder.appendingPathComponent("spans.jsonl").path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while (try? String(contentsOf: portFile, encoding: .utf8)) == nil {
            guard process.isRunning, Date() < deadline else {
                throw ReceiverError("the OTLP receiver did not start (\(python) \(Self.script.path))")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        endpoint = "http://127.0.0.1:\(try String(contentsOf: portFile, encoding: .utf8))"
    }

    /// Every span received so far.
    func spans() throws -> [Span] {
        guard let text = try? String(contentsOf: folder.appendingPathComponent("spans.jsonl"), encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Span.self, from: Data($0.utf8)) }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
    }
}

struct ReceiverError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
