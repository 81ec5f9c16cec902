import Foundation
import TestServers
import XCTest

/// A development SMTP sink (ops/lib/smtp-sink.py) of the test's own, on a port of its own, so a
/// test can stop and start it and read only its own mail. Recipients at `@reject.invalid` are
/// refused with 550, as AIRFLEET_SMTP_SINK_REJECT lets the sink do.
final class SMTPSinkProcess {
    let port: Int
    let mailDirectory: URL
    private var process: Process?
    /// Seconds the sink waits before accepting each message (AIRFLEET_SMTP_SINK_DELAY).
    var delay: Double = 0

    static let rejectedDomain = "reject.invalid"
    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ops/lib/smtp-sink.py")

    /// Picks a port nothing listens on; `start()` brings the sink up there.
    init() throws {
        port = try freeLocalPort()
        mailDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("airfleet-mail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: mailDirectory, withIntermediateDirectories: true)
    }

    var url: String { "smtp://127.0.0.1:\(port)" }

    func start() throws {
        guard process == nil else { return }
        let pidFile = mailDirectory.appendingPathComponent(".pid").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.script.path, "--host", "127.0.0.1", "--port", "\(port)", "--mail-dir", mailDirectory.path,
                             "--pid-file", pidFile]
        var environment = ProcessInfo.processInfo.environment
        environment["AIRFLEET_SMTP_SINK_REJECT"] = "@reject\\.invalid$"
        environment["AIRFLEET_SMTP_SINK_DELAY"] = "\(delay)"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: pidFile) {
            guard process.isRunning, Date() < deadline else { throw SinkError("the SMTP sink did not start on port \(port)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Freezes the sink (SIGSTOP): connections are still accepted by the kernel, but no greeting
    /// comes, so a sender hangs inside its SMTP exchange until `resume()` or its timeout.
    func pause() {
        guard let process else { return }
        kill(process.processIdentifier, SIGSTOP)
    }

    func resume() {
        guard let process else { return }
        kill(process.processIdentifier, SIGCONT)
    }

    func stop() {
        guard let process else { return }
        resume()
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }

    func remove() {
        stop()
        try? FileManager.default.removeItem(at: mailDirectory)
    }

    /// Every message received so far, oldest first.
    func messages() throws -> [ReceivedMail] {
        try FileManager.default.contentsOfDirectory(atPath: mailDirectory.path).filter { $0.hasSuffix(".eml") }.sorted()
            .map { ReceivedMail(try Data(contentsOf: mailDirectory.appendingPathComponent($0))) }
    }
}

struct SinkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One .eml the sink kept: its headers (unfolded, encoded words decoded on request) and parts.
struct ReceivedMail {
    let raw: String
    let headers: [String: String]

    init(_ data: Data) {
        raw = String(decoding: data, as: UTF8.self)
        let head = raw.components(separatedBy: "\r\n\r\n")[0].replacingOccurrences(of: "\r\n ", with: " ")
        var headers: [String: String] = [:]
        for line in head.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[String(line[..<colon]).lowercased()] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        self.headers = headers
    }

    var recipient: String { headers["x-rcptto"] ?? "" }
    var kind: String { headers["x-airfleet-kind"] ?? "" }

    /// A header with its RFC 2047 encoded words decoded.
    func decoded(_ name: String) -> String {
        let value = headers[name.lowercased()] ?? ""
        var result = ""
        var previousWasEncoded = false
        for token in value.split(separator: " ", omittingEmptySubsequences: false) {
            if token.hasPrefix("=?UTF-8?B?"), token.hasSuffix("?="),
               let data = Data(base64Encoded: String(token.dropFirst(10).dropLast(2))) {
                // Whitespace between two encoded words is folding, not text (RFC 2047 §6.2).
                if !result.isEmpty && !previousWasEncoded { result += " " }
                result += String(decoding: data, as: UTF8.self)
                previousWasEncoded = true
            } else {
                result += (result.isEmpty ? "" : " ") + token
                previousWasEncoded = false
            }
        }
        return result
    }

    /// The decoded body of the part with this content type.
    func part(_ contentType: String) -> String? {
        guard let start = raw.range(of: "Content-Type: \(contentType); charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
        else { return nil }
        let rest = raw[start.upperBound...]
        let body = rest.range(of: "\r\n--").map { rest[..<$0.lowerBound] } ?? rest
        return Self.decodeQuotedPrintable(String(body))
    }

    static func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let source = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "="), index + 2 < source.count,
               let value = UInt8(String(decoding: source[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
