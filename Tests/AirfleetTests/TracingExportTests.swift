@testable import airfleet
import Fleet
import FleetTestSupport
import Foundation
import Settings
import TestServers
import XCTest

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The whole fleet as processes, exporting over OTLP/HTTP to a real receiver: one booking is one
/// trace from the HTTP request through every context, and every span's parent is in it.
final class TracingExportTests: XCTestCase {
    private var fleet: TestFleet!
    private var receiver: OTLPReceiverProcess!
    private var processes: [AirfleetProcess] = []
    private var baseURL = ""

    override func setUpWithError() throws {
        receiver = try OTLPReceiverProcess()
        fleet = try TestFleet(contexts: try Contexts.definitions(SettingsReader(environment: ProcessInfo.processInfo.environment)))
        let port = try freeLocalPort()
        baseURL = "http://127.0.0.1:\(port)"
        let environment = fleet.environment.merging([
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "AIRFLEET_SMTP_URL": try XCTUnwrap(ProcessInfo.processInfo.environment["AIRFLEET_TEST_SMTP_URL"]),
            "AIRFLEET_JWT_SECRET": String(repeating: "traced-secret-", count: 3),
            "AIRFLEET_ADMIN_PASSWORD": "Correct-horse-77",
            "AIRFLEET_BCRYPT_COST": "4",
            "AIRFLEET_METRICS_PORT": "off",
            "AIRFLEET_RATE_LIMIT": "off",
            "AIRFLEET_HTTP_PORT": "\(port)",
        ]) { $1 }
        for context in ["customers", "flights", "bookings", "payments", "notifications"] {
            // Its "email sent" line, at debug, is the log line that must join the trace.
            let logging = context == "notifications" ? ["AIRFLEET_LOG_FORMAT": "json", "AIRFLEET_LOG_LEVEL": "debug"] : [:]
            processes.append(try AirfleetProcess(["consume", context], environment: environment.merging(logging) { $1 }))
        }
        processes.append(try AirfleetProcess(["ingress"], environment: environment))
        do {
            try fleet.eventually("the ingress is ready", timeout: .seconds(90)) { (try? self.request("GET", "/readyz").status) == 200 }
            try fleet.eventually("every context consumes", timeout: .seconds(90)) {
                try ["customers", "flights", "bookings", "payments", "notifications"].allSatisfy {
                    try self.fleet.queueState("airfleet.\($0)").consumerCount == 1
                }
            }
        } catch {
            printLogs()
            throw error
        }
    }

    private func printLogs() {
        for process in processes { print("--- airfleet \(process.arguments.joined(separator: " "))\n\(process.output.suffix(3000))") }
    }

    override func tearDown() {
        if (testRun?.totalFailureCount ?? 0) > 0 { printLogs() }
        for process in processes { process.kill() }
        fleet?.tearDown()
        receiver?.stop()
    }

    func testOneBookingIsOneTraceThroughTheIngressAndEveryContextWithNoOrphanSpan() throws {
        // A command published without trace context (by `airfleet publish`, as by pika) starts a trace.
        let flightId = UUID().lowercasedString
        let schedule = #"{"flightId":"\#(flightId)","number":"AF31","departure":"2031-05-01T10:00:00Z","arrival":"2031-05-01T17:00:00Z","origin":"CDG","destination":"JFK","aircraftType":"A320","fares":{"economy":30000,"business":250000},"currency":"EUR"}"#
        let published = try Airfleet.run(["publish", "flight.schedule.v1", "--wait", "30"], input: schedule, fleet: fleet)
        XCTAssertEqual(published.status, 0, published.errors)

        XCTAssertEqual(try request("POST", "/v1/auth/register", json: #"{"email":"tess@example.com","password":"Correct-horse-42","name":"Tess Trace"}"#,
                                   headers: ["Prefer": "wait=20"]).status, 201)
        let login = try request("POST", "/v1/auth/login", json: #"{"email":"tess@example.com","password":"Correct-horse-42"}"#)
        let token = try XCTUnwrap((try JSONSerialization.jsonObject(with: login.body) as? [String: Any])?["accessToken"] as? String)

        // The client's own span is the parent of the ingress's.
        let traceId = "4bf92f3577b34da6a3ce929d0e0e4736", clientSpan = "00f067aa0ba902b7"
        let booking = try request("POST", "/v1/bookings", json: """
            {"flightId":"\(flightId)","cabin":"economy","paymentToken":"tok_visa",
             "passengers":[{"firstName":"Tess","lastName":"Trace","dateOfBirth":"1990-04-01","seat":"12A"}]}
            """, headers: ["Authorization": "Bearer \(token)", "Prefer": "wait=30",
                           "traceparent": "00-\(traceId)-\(clientSpan)-01", "tracestate": "airfleet=test"])
        XCTAssertEqual(booking.status, 201, String(decoding: booking.body, as: UTF8.self))

        var trace: [OTLPReceiverProcess.Span] = []
        try fleet.eventually("the confirmation email's span reaches the receiver", timeout: .seconds(30)) {
            trace = try self.receiver.spans().filter { $0.traceId == traceId }
            return trace.contains { $0.name == "smtp send" && $0.service == "airfleet-notifications" }
        }
        Thread.sleep(forTimeInterval: 1)  // the rest of the trace's spans, exported in the same breath
        trace = try receiver.spans().filter { $0.traceId == traceId }
        let ids = Set(trace.map(\.spanId))
        XCTAssertEqual(ids.count, trace.count, "every span once")
        let orphans = trace.filter { !ids.contains($0.parentSpanId) && $0.parentSpanId != clientSpan }
        XCTAssertEqual(orphans.map(\.name), [], "spans whose parent is not in the trace")
        let root = try XCTUnwrap(trace.first { $0.parentSpanId == clientSpan })
        XCTAssertEqual(root.service, "airfleet-ingress")
        XCTAssertEqual(root.kind, "server")
        XCTAssertEqual(Set(trace.compactMap(\.service)),
                       ["airfleet-ingress", "airfleet-bookings", "airfleet-flights", "airfleet-payments", "airfleet-notifications"])
        XCTAssertEqual(trace.filter { $0.status == 2 }.map(\.name), [], "no span failed")

        // Each hop: a message created in one span is processed in a span that is its child.
        let byId = Dictionary(uniqueKeysWithValues: trace.map { ($0.spanId, $0) })
        func parent(of name: String, in service: String) -> OTLPReceiverProcess.Span? {
            trace.first { $0.name == name && $0.service == service }.flatMap { byId[$0.parentSpanId] }
        }
        for (type, consumer, producer) in [("booking.create.v1", "bookings", "ingress"), ("seats.hold.v1", "flights", "bookings"),
                                           ("payment.charge.v1", "payments", "bookings"), ("payment.captured.v1", "bookings", "payments"),
                                           ("booking.confirmed.v1", "notifications", "bookings")] {
            let created = parent(of: "process \(type)", in: "airfleet-\(consumer)")
            XCTAssertEqual(created?.name, "create \(type)", type)
            XCTAssertEqual(created?.kind, "producer", type)
            XCTAssertEqual(created?.service, "airfleet-\(producer)", type)
        }
        XCTAssertEqual(parent(of: "payment provider charge", in: "airfleet-payments")?.name, "process payment.charge.v1")
        XCTAssertEqual(parent(of: "smtp send", in: "airfleet-notifications")?.name, "process booking.confirmed.v1")

        // The handler's log lines carry its trace and span beside the correlation id.
        let handling = try XCTUnwrap(trace.first { $0.name == "process booking.confirmed.v1" })
        let notifications = try XCTUnwrap(processes.first { $0.arguments == ["consume", "notifications"] })
        let sent = notifications.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["message"] as? String == "email sent" && $0["trace_id"] as? String == traceId }
        XCTAssertEqual(sent.count, 1, notifications.output)
        XCTAssertEqual(sent.first?["span_id"] as? String, handling.spanId)
        XCTAssertNotNil(sent.first?["correlation_id"])

        let scheduled = try receiver.spans().filter { $0.name == "process flight.schedule.v1" }
        XCTAssertEqual(scheduled.count, 1)
        XCTAssertEqual(scheduled.first?.parentSpanId, "", "a message without trace context starts a trace")
        XCTAssertNotEqual(scheduled.first?.traceId, traceId)
    }

    private func request(_ method: String, _ path: String, json: String? = nil,
                         headers: [String: String] = [:]) throws -> (status: Int, body: Data) {
        var request = URLRequest(url: URL(string: baseURL + path)!, timeoutInterval: 40)
        request.httpMethod = method
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try HTTPExchange.send(request)
    }
}
