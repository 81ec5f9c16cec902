import Contracts
import Fleet
import FleetTestSupport
import Foundation
import HTTPTypes
import Ingress
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A client following a flight's updates hears of a delay within a second.
final class FlightUpdatesTests: IngressTestCase {
    func testAServerSentEventClientHearsOfADelayWithinASecond() async throws {
        let shared = try shared
        try await shared.withIngress { client in
            let admin = try await shared.makeUser(.admin, on: client)
            let flightId = try await self.createFlight(self.newFlight(number: "KL641"), admin: admin, client: client)
            let id = flightId.lowercasedString
            let port = try XCTUnwrap(client.client.port)

            let stream = try RawHTTPStream(port: port, path: "/v1/flights/\(id)/updates")
            defer { stream.close() }
            let opening = try stream.read(until: "\r\n\r\n", timeout: 5)
            XCTAssertTrue(opening.contains("HTTP/1.1 200"), opening)
            XCTAssertTrue(opening.lowercased().contains("content-type: text/event-stream"), opening)
            let status = try stream.read(until: "\n\n", timeout: 5)
            XCTAssertTrue(status.contains("event: status") && status.contains("KL641"), status)

            let delay: [String: Any] = ["departure": self.timestamp(self.day(10, hour: 14)), "arrival": self.timestamp(self.day(10, hour: 22))]
            let started = ContinuousClock.now
            let response = try await client.post("/v1/flights/\(id)/delay", token: admin.token, json: delay)
            XCTAssertEqual(response.status, .accepted, response.text)
            let text = try stream.read(until: "event: flight.delayed.v1", timeout: 5)
            let elapsed = ContinuousClock.now - started
            XCTAssertTrue(text.contains("event: flight.delayed.v1"), text)
            XCTAssertLessThan(elapsed, .seconds(1), "the delay reached the client after \(elapsed)")
            let line = try stream.read(until: "\n\n", timeout: 2)
            XCTAssertTrue((text + line).contains(#""flightId""#), text + line)

            let unknown = try await client.get("/v1/flights/\(UUID().uuidString)/updates")
            XCTAssertEqual(unknown.status, .notFound)
        }
    }
}

/// A plain socket reading a streaming HTTP response as it arrives.
final class RawHTTPStream {
    private let socket: Int32
    private var received = ""

    init(port: Int, path: String) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw FleetError("cannot connect to 127.0.0.1:\(port)") }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
        _ = request.withCString { send(socket, $0, strlen($0), 0) }
    }

    /// Everything received up to and including `marker` (consumed), waiting up to `timeout` seconds.
    func read(until marker: String, timeout: Double) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while received.range(of: marker) == nil {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { break }
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(remaining * 1000)) > 0 else { break }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        guard let range = received.range(of: marker) else {
            let text = received
            received = ""
            return text
        }
        let text = String(received[..<range.upperBound])
        received = String(received[range.upperBound...])
        return text
    }

    func close() { Glibc.close(socket) }
}
