import Foundation

/// A bash script of ops/ run from the repository's top, as an operator would run it, with the
/// test's settings over the environment.
public enum OpsScript {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `script` with bash; its exit status and what it printed on stdout and stderr.
    public static func run(_ script: String, environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = repository
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        return try process.runCapturingOutput()
    }
}
