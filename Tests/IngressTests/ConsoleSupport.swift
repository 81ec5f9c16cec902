import Contracts
import Fleet
import FleetStatus
import FleetTestSupport
import Foundation
import Glibc
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ingress
import XCTest

/// The console's tests: the ingress served with the console reporting on the test fleet, and a
/// browser's part played by hand (cookies, forms, CSRF fields).
class ConsoleTestCase: IngressTestCase, @unchecked Sendable {
    static let contexts = ["bookings", "customers", "flights", "payments", "webhooks"]

    /// Serves the ingress, its console looking at the shared fleet, for the length of `body`.
    func withConsole(_ body: @escaping @Sendable (ConsoleClient) async throws -> Void) async throws {
        let shared = try shared
        let ready = await shared.gateway.waitUntilReady(timeout: .seconds(10))
        XCTAssertTrue(ready, "the gateway did not connect")
        let management = ProcessInfo.processInfo.environment["AIRFLEET_TEST_RABBITMQ_API"].flatMap(ManagementClient.init(url:))
        let settings = ConsoleSettings(fleet: shared.fleet.configuration, contexts: Self.contexts, management: management)
        let app = await ConsoleSettings.$current.withValue(settings) {
            await IngressServer.makeApplication(configuration: shared.configuration(), gateway: shared.gateway, logger: shared.fleet.logger)
        }
        try await app.test(.live) { client in try await body(ConsoleClient(http: HTTPClient(client: client), port: client.port ?? 0)) }
    }

    /// A poison message on `flights`' queue: a delay whose flight id is no UUID, dead-lettered at once.
    func publishPoison() throws {
        let document = PikaPublisher.document("flight.delay.v1", data: #"{"flightId":"not-a-uuid","departure":"2026-12-07T10:00:00Z","arrival":"2026-12-07T12:00:00Z","reason":"crew"}"#)
        try shared.fleet.publishRaw([(document, "flight.delay.v1")], to: "airfleet.flights")
    }

    /// A customer's confirmed booking on a new flight; its record locator.
    func confirmedBooking(on client: ConsoleClient) async throws -> String {
        let (customer, flightId) = try await customerAndFlight(on: client.http)
        let body: [String: Any] = [
            "flightId": flightId.lowercasedString, "cabin": "economy", "paymentToken": "tok_visa",
            "passengers": [["firstName": "Ann", "lastName": "Console", "dateOfBirth": "1990-04-01", "seat": "14C"]],
        ]
        let created = try await client.http.post("/v1/bookings", token: customer.token, json: body,
                                                 headers: [.prefer: "wait=20", HTTPField.Name("Idempotency-Key")!: UUID().uuidString])
        XCTAssertEqual(created.status, .created, created.text)
        return try XCTUnwrap(try created.json(BookingView.self).pnr)
    }

    /// Waits until the queue holds `count` messages.
    func waitForMessages(_ count: Int, in queue: String) async throws {
        for _ in 0..<100 {
            if try shared.fleet.queueState(queue).messageCount == count { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("\(queue) never held \(count) message(s); it holds \(try shared.fleet.queueState(queue).messageCount)")
    }
}

/// The requests a browser makes, with its cookies sent by hand.
struct ConsoleClient: Sendable {
    let http: HTTPClient
    let port: Int

    struct Signed: Sendable {
        let cookie: String
        let csrf: String
    }

    func get(_ path: String, cookie: String? = nil) async throws -> TestResponse {
        try await http.get(path, headers: cookie.map { [.cookie: $0] } ?? [:])
    }

    func postForm(_ path: String, _ fields: [String: String], cookie: String?, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let cookie { headers[.cookie] = cookie }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        return try await http.send(.post, path, body: body, headers: headers)
    }

    /// Signs in as a browser would: the form's page first (its cookie and CSRF field), then the form.
    func signIn(_ email: String, _ password: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        let form = try await get("/console/sign-in")
        XCTAssertEqual(form.status, .ok, form.text)
        let nonce = try XCTUnwrap(form.cookie(named: "airfleet_console_sign_in"))
        return try await postForm("/console/sign-in", ["email": email, "password": password, "csrf": try XCTUnwrap(form.csrfField)],
                                  cookie: "airfleet_console_sign_in=\(nonce)", headers: headers)
    }

    /// Signed in, with the session cookie and the CSRF token its pages carry.
    func signedIn(_ user: IngressFleet.User) async throws -> Signed {
        let response = try await signIn(user.email, user.password)
        XCTAssertEqual(response.status, .seeOther, response.text)
        let cookie = "airfleet_console=\(try XCTUnwrap(response.cookie(named: "airfleet_console")))"
        let page = try await get("/console/fleet", cookie: cookie)
        XCTAssertEqual(page.status, .ok, page.text)
        return Signed(cookie: cookie, csrf: try XCTUnwrap(page.csrfField))
    }
}

extension TestResponse {
    var setCookies: [String] { headers[values: .setCookie] }

    /// The value a Set-Cookie header gives `name`.
    func cookie(named name: String) -> String? {
        setCookies.first { $0.hasPrefix("\(name)=") }.map { String($0.dropFirst(name.count + 1).prefix { $0 != ";" }) }
    }

    /// The first form's hidden CSRF field.
    var csrfField: String? {
        guard let range = text.range(of: #"name="csrf" value="([^"]+)""#, options: .regularExpression) else { return nil }
        return String(text[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
    }
}

/// A plain socket reading the console's event stream as it arrives, with the session's cookie.
final class ConsoleEventStream {
    private let socket: Int32
    private var received = ""

    init(port: Int, path: String, cookie: String) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw FleetError("cannot connect to 127.0.0.1:\(port)") }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nCookie: \(cookie)\r\n\r\n"
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
        guard let range = received.range(of: marker) else { return received }
        let text = String(received[..<range.upperBound])
        received = String(received[range.upperBound...])
        return text
    }

    func close() { Glibc.close(socket) }
}
