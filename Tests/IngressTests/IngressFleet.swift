import Bookings
import Contracts
import Customers
import Fleet
import FleetTestSupport
import Flights
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ingress
import Logging
import NIOCore
import Passwords
import Payments
import Webhooks
import XCTest

/// Customers, flights, payments, bookings and webhooks consumers running in this process on the
/// test's own virtual host and schemas, and one broker gateway, shared by the tests of a class;
/// each test serves the real ingress on a port of its own and talks to it over HTTP.
final class IngressFleet: @unchecked Sendable {
    let fleet: TestFleet
    let gateway: BrokerGateway
    let secret = (0..<3).map { _ in UUID().uuidString }.joined()

    init() throws {
        let bookings = BookingsContext.definition(settings: BookingSettings(holdTime: .seconds(30), stepTimeout: .seconds(20),
                                                                            timeoutSweepInterval: .milliseconds(250)))
        let webhooks = WebhooksContext.definition(settings: WebhooksContext.Settings(secretKey: WebhookSecretKey.generate(),
                                                                                     allowPrivateAddresses: true))
        fleet = try TestFleet(contexts: [CustomersContext.definition(bcryptCost: 4), FlightsContext.definition(),
                                         PaymentsContext.definition(gateway: UnstartedGateway()), bookings, webhooks])
        let sandbox = SandboxGateway(database: try fleet.configuration.database(for: "payments"),
                                     schema: fleet.configuration.schema(for: "payments"),
                                     settings: SandboxGateway.Settings(latency: .milliseconds(2), clientTimeout: .milliseconds(200)),
                                     logger: fleet.logger)
        for definition in [CustomersContext.definition(bcryptCost: 4), FlightsContext.definition(holdSweepInterval: .milliseconds(250)),
                           PaymentsContext.definition(gateway: sandbox), bookings, webhooks] {
            _ = try fleet.start(definition)
        }
        gateway = BrokerGateway(amqp: fleet.configuration.amqp, topology: fleet.topology, source: "airfleet/ingress-tests",
                                logger: fleet.logger)
        gateway.start()
    }

    func tearDown() {
        gateway.shutdown()
        fleet.tearDown()
    }

    func configuration(_ adjust: (inout IngressConfiguration) -> Void = { _ in }) -> IngressConfiguration {
        var configuration = IngressConfiguration(amqp: fleet.configuration.amqp, port: 0, jwtSecret: secret, rateLimit: nil,
                                                 bcryptCost: 4)
        adjust(&configuration)
        return configuration
    }

    /// Serves the ingress for the length of `body`.
    func withIngress(_ adjust: (inout IngressConfiguration) -> Void = { _ in },
                     _ body: @escaping @Sendable (HTTPClient) async throws -> Void) async throws {
        let ready = await gateway.waitUntilReady(timeout: .seconds(10))
        XCTAssertTrue(ready, "the gateway did not connect")
        let app = await IngressServer.makeApplication(configuration: configuration(adjust), gateway: gateway, logger: fleet.logger)
        try await app.test(.live) { client in try await body(HTTPClient(client: client)) }
    }

    // MARK: Users

    struct User: Sendable {
        let email: String
        let password: String
        let token: String
        let customerId: UUID
    }

    /// A user of `role`, signed in: customers register over HTTP, staff as operators make them.
    func makeUser(_ role: CustomerRole, on client: HTTPClient) async throws -> User {
        let email = "\(role.rawValue)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let password = "Correct-horse-\(Int.random(in: 100...999))"
        if role == .customer {
            let response = try await client.post("/v1/auth/register", json: ["email": email, "password": password, "name": "Test Customer"],
                                                  headers: [.prefer: "wait=10"])
            XCTAssertEqual(response.status, .created, response.text)
        } else {
            let hash = try PasswordHashing.hash(password, email: email, cost: 4)
            let publisher = try fleet.publisher()
            defer { publisher.close() }
            _ = try publisher.publish(RegisterCustomer(customerId: UUID(), email: email, passwordHash: hash, name: "Staff", role: role))
        }
        var login: TestResponse?
        for _ in 0..<100 {
            login = try await client.post("/v1/auth/login", json: ["email": email, "password": password])
            if login?.status == .ok { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard let login, login.status == .ok else { throw FleetError("\(email) could not log in: \(login?.text ?? "")") }
        let issued = try login.json(AccessTokens.Issued.self)
        return User(email: email, password: password, token: issued.accessToken, customerId: issued.customerId)
    }
}

/// A small HTTP client over HummingbirdTesting's live client.
struct HTTPClient: Sendable {
    let client: any TestClientProtocol

    func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, body: String? = nil,
              headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await client.executeRequest(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    func get(_ uri: String, token: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await send(.get, uri, token: token, headers: headers)
    }

    func post(_ uri: String, token: String? = nil, json: [String: Any], headers: HTTPFields = [:]) async throws -> TestResponse {
        try await send(.post, uri, token: token, body: jsonText(json), headers: headers)
    }

    func jsonText(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json<T: Decodable>(_ type: T.Type) throws -> T {
        try FleetJSON.decoder().decode(T.self, from: Data(buffer: body))
    }

    /// The body as a JSON object.
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }

    /// The problem's `field`, for a problem+json answer.
    var problemField: String? { object["field"] as? String }
}

extension HTTPField.Name {
    static let prefer = HTTPField.Name("Prefer")!
    static let xRequestID = HTTPField.Name("X-Request-ID")!
}

/// The base class: one `IngressFleet` per test class.
class IngressTestCase: XCTestCase, @unchecked Sendable {
    nonisolated(unsafe) private static var fleets: [ObjectIdentifier: IngressFleet] = [:]

    var shared: IngressFleet {
        get throws {
            let key = ObjectIdentifier(type(of: self))
            if let fleet = Self.fleets[key] { return fleet }
            let fleet = try IngressFleet()
            Self.fleets[key] = fleet
            return fleet
        }
    }

    override class func tearDown() {
        fleets.removeValue(forKey: ObjectIdentifier(self))?.tearDown()
        super.tearDown()
    }

    /// Midnight UTC some days ahead, plus hours, so "in the future" holds whenever the test runs.
    func day(_ offset: Int, hour: Int = 12, minute: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar.date(byAdding: DateComponents(day: offset, hour: hour, minute: minute), to: calendar.startOfDay(for: Date()))!
    }

    func timestamp(_ date: Date) -> String { FleetJSON.formatTimestamp(date) }

    /// A body for POST /v1/flights.
    func newFlight(number: String = "AF\(Int.random(in: 100...9999))", origin: String = "CDG", destination: String = "JFK",
                   departure: Date? = nil, hours: Double = 8, aircraft: String = "A320",
                   fares: [String: Int] = ["business": 200_000, "economy": 40_000]) -> [String: Any] {
        let departure = departure ?? day(10)
        return ["number": number, "origin": origin, "destination": destination, "departure": timestamp(departure),
                "arrival": timestamp(departure.addingTimeInterval(hours * 3600)), "aircraftType": aircraft,
                "fares": fares, "currency": "EUR"]
    }

    /// A customer, and a flight an admin made that they can book: how most booking tests begin.
    func customerAndFlight(on client: HTTPClient) async throws -> (customer: IngressFleet.User, flightId: UUID) {
        let shared = try shared
        let admin = try await shared.makeUser(.admin, on: client)
        let customer = try await shared.makeUser(.customer, on: client)
        return (customer, try await createFlight(newFlight(), admin: admin, client: client))
    }

    /// Creates a flight as `admin` and waits for it; its id.
    func createFlight(_ body: [String: Any], admin: IngressFleet.User, client: HTTPClient) async throws -> UUID {
        let response = try await client.post("/v1/flights", token: admin.token, json: body, headers: [.prefer: "wait=10"])
        XCTAssertEqual(response.status, .created, response.text)
        guard let text = (response.object["flight"] as? [String: Any])?["flightId"] as? String, let id = UUID(uuidString: text) else {
            throw FleetError("no flight id in \(response.text)")
        }
        return id
    }
}

/// Stands in for the payment provider where a payments definition only names the context's
/// topology and schema; the running payments service uses the sandbox.
struct UnstartedGateway: PaymentGateway {
    func charge(_ request: ChargeRequest) throws(Payments.GatewayError) -> ChargeOutcome { throw .unavailable("not started") }
    func refund(_ request: RefundRequest) throws(Payments.GatewayError) -> RefundOutcome { throw .unavailable("not started") }
    func status(idempotencyKey: String) throws(Payments.GatewayError) -> ChargeOutcome? { nil }
}
