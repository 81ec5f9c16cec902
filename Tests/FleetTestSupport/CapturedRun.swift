import Foundation

extension Process {
    /// Runs the process with stdout and stderr into one pipe, read while it runs so a chatty
    /// process cannot block on a full pipe; returns its exit status and everything it printed.
    public func runCapturingOutput() throws -> (status: Int32, output: String) {
        let output = Pipe()
        standardOutput = output
        standardError = output
        try run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        waitUntilExit()
        return (terminationStatus, text)
    }
}
