#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One keep-alive HTTP/1.1 connection over a blocking socket, for a load thread of its own.
/// A load generator that shares an event loop with what it measures measures itself, so each
/// client thread owns a plain socket and blocks on it.
final class HTTPConnection {
    struct Response {
        let status: Int
        let headers: [(String, String)]
        let body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        /// True when the server took longer than the timeout to answer: a hang, not a refusal.
        var timedOut = false
    }

    private let host: String
    private let port: Int
    private let timeout: Double
    private var socket: Int32 = -1
    private var buffer: [UInt8] = []

    init(host: String, port: Int, timeout: Double) {
        self.host = host
        self.port = port
        self.timeout = timeout
    }

    deinit { close() }

    func close() {
        if socket >= 0 { Glibc.close(socket) }
        socket = -1
        buffer.removeAll(keepingCapacity: true)
    }

    /// The bytes of a JSON POST with `headers`, for `send`.
    static func post(_ path: String, host: String, port: Int, headers: [String: String], json: [UInt8]) -> [UInt8] {
        let head = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/json\r\n"
            + headers.map { "\($0.key): \($0.value)\r\n" }.joined() + "Content-Length: \(json.count)\r\n\r\n"
        return Array(head.utf8) + json
    }

    /// Sends one request and reads its whole response; reconnects once when a kept-alive
    /// connection turns out to have been closed by the server.
    func send(_ request: [UInt8]) throws -> Response {
        let reused = socket >= 0
        do {
            try connectIfNeeded()
            try write(request)
            return try readResponse()
        } catch let failure as Failure where reused && !failure.timedOut {
            close()
            try connectIfNeeded()
            try write(request)
            return try readResponse()
        } catch {
            close()
            throw error
        }
    }

    private func connectIfNeeded() throws {
        guard socket < 0 else { return }
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            Glibc.close(fd)
            throw Failure(description: "\(host) is not an IPv4 address")
        }
        var seconds = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw Failure(description: "connect to \(host):\(port): \(reason)")
        }
        socket = fd
    }

    private func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            sent += count
        }
    }

    /// Reads more bytes into the buffer; a receive timeout is a hang.
    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        let count = chunk.withUnsafeMutableBytes { Glibc.recv(socket, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer.append(contentsOf: chunk[0..<count])
        } else if count == 0 {
            throw Failure(description: "the server closed the connection")
        } else if errno == EAGAIN || errno == EWOULDBLOCK {
            throw Failure(description: "no answer within \(timeout) s", timedOut: true)
        } else {
            throw Failure(description: "recv: \(String(cString: strerror(errno)))")
        }
    }

    private func readResponse() throws -> Response {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = buffer.firstRange(of: terminator)?.upperBound
            if headerEnd == nil { try fill() }
        }
        let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
        buffer.removeFirst(headerEnd!)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: true)[...]
        guard let statusLine = lines.popFirst(), statusLine.hasPrefix("HTTP/1."),
              let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else {
            throw Failure(description: "not an HTTP response")
        }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let response = Response(status: status, headers: headers, body: [])
        let body: [UInt8]
        if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            body = try readChunkedBody()
        } else {
            let length = Int(response.header("Content-Length") ?? "0") ?? 0
            while buffer.count < length { try fill() }
            body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        }
        if response.header("Connection")?.lowercased() == "close" { close() }
        return Response(status: status, headers: headers, body: body)
    }

    private func readChunkedBody() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var lineEnd: Int?
            while lineEnd == nil {
                lineEnd = buffer.firstRange(of: [13, 10])?.lowerBound
                if lineEnd == nil { try fill() }
            }
            let sizeText = String(decoding: buffer[0..<lineEnd!], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw Failure(description: "bad chunk size")
            }
            buffer.removeFirst(lineEnd! + 2)
            while buffer.count < size + 2 { try fill() }
            body.append(contentsOf: buffer[0..<size])
            buffer.removeFirst(size + 2)
            if size == 0 { return body }
        }
    }
}
