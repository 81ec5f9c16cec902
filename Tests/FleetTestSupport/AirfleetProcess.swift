import Foundation

/// An `airfleet consume <context>` child process, as the fleet runs it, with its output in a
/// log file the test prints when it fails.
public final class AirfleetProcess {
    public let logFile: URL
    public let arguments: [String]
    private let process = Process()

    public init(_ arguments: [String], environment: [String: String]) throws {
        self.arguments = arguments
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("airfleet-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: logFile)
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if folder.pathExtension == "xctest" { folder.deleteLastPathComponent() }
        process.executableURL = folder.appendingPathComponent("airfleet")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    public var isRunning: Bool { process.isRunning }

    public func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public var output: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }
}
