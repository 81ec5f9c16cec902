import Fleet
import Foundation

/// A `fleet-testbed consume <context>` child process, whose output goes to a log file that
/// tests print when they fail.
public final class TestbedProcess {
    public let context: String
    public let logFile: URL
    private let process = Process()

    init(context: String, environment: [String: String]) throws {
        self.context = context
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-testbed-\(context)-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: logFile)
        process.executableURL = try Self.executable()
        process.arguments = ["consume", context]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    /// The testbed binary beside the test bundle (both are products of the same build).
    public static func executable() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["AIRFLEET_TESTBED"] { return URL(fileURLWithPath: path) }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if folder.pathExtension == "xctest" { folder.deleteLastPathComponent() }
        let candidate = folder.appendingPathComponent("fleet-testbed")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw FleetError("fleet-testbed not found at \(candidate.path): build it with `swift build --build-tests`")
        }
        return candidate
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// SIGTERM: the process should drain and exit 0.
    public func terminate() { if process.isRunning { Foundation.kill(process.processIdentifier, SIGTERM) } }

    /// SIGKILL: no chance to clean up.
    public func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Waits for the process to end; returns its status, or nil if it is still running.
    public func waitForExit(timeout: Duration) -> (status: Int32, signalled: Bool)? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else { return nil }
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal)
    }

    public var output: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }
}
