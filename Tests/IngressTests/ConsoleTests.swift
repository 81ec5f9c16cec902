import Contracts
import Fleet
import FleetTestSupport
import Foundation
import HTTPTypes
import Ingress
import XCTest

/// The console over real HTTP: who may sign in, the session cookie, CSRF, the security headers.
final class ConsoleTests: ConsoleTestCase, @unchecked Sendable {
    func testPagesNeedASession() async throws {
        try await withConsole { client in
            for path in ["/console", "/console/fleet", "/console/dead-letters", "/console/dead-letters/group?context=flights&type=x&kind=y"] {
                let response = try await client.get(path)
                XCTAssertEqual(response.status, .seeOther, path)
                XCTAssertEqual(response.headers[.location], "/console/sign-in", path)
            }
            let events = try await client.get("/console/fleet/events")
            XCTAssertEqual(events.status, .unauthorized)
            // A forged or stale cookie is no session either.
            let forged = try await client.get("/console/fleet", cookie: "airfleet_console=not.a.token")
            XCTAssertEqual(forged.status, .seeOther)
        }
    }

    func testEveryAnswerCarriesAPolicyWithoutInlineScript() async throws {
        try await withConsole { client in
            let page = try await client.get("/console/sign-in")
            let policy = try XCTUnwrap(page.headers[.contentSecurityPolicy])
            XCTAssertTrue(policy.contains("script-src 'self'"), policy)
            XCTAssertTrue(policy.contains("default-src 'none'"), policy)
            XCTAssertFalse(policy.contains("unsafe-inline"), policy)
            XCTAssertEqual(page.headers[.xContentTypeOptions], "nosniff")
            XCTAssertFalse(page.text.contains("<script>"), "a script without src is inline")
            XCTAssertFalse(page.text.contains(" style="), "inline style")
            XCTAssertNil(page.text.range(of: #" on[a-z]+="#, options: .regularExpression), "an inline event handler")

            let script = try await client.get("/console/assets/console.js")
            XCTAssertEqual(script.status, .ok)
            XCTAssertEqual(script.headers[.contentType], "text/javascript; charset=utf-8")
            XCTAssertNotNil(script.headers[.contentSecurityPolicy])
            let sheet = try await client.get("/console/assets/console.css")
            XCTAssertEqual(sheet.status, .ok)
            // The whole first page, with its script and sheet, stays small.
            XCTAssertLessThan(page.body.readableBytes + script.body.readableBytes + sheet.body.readableBytes, 200_000)
            let missing = try await client.get("/console/assets/nothing.js")
            XCTAssertEqual(missing.status, .notFound)
        }
    }

    func testSignInRefusesACustomer() async throws {
        let shared = try shared
        try await withConsole { client in
            let customer = try await shared.makeUser(.customer, on: client.http)
            let response = try await client.signIn(customer.email, customer.password)
            XCTAssertEqual(response.status, .forbidden, response.text)
            XCTAssertTrue(response.text.contains("Customer accounts cannot sign in here"), response.text)
            XCTAssertNil(response.cookie(named: "airfleet_console"), "a customer got a session")

            let wrong = try await client.signIn(customer.email, "Not-the-password-1")
            XCTAssertEqual(wrong.status, .unauthorized)
            XCTAssertTrue(wrong.text.contains("The email or password is not right."), wrong.text)
        }
    }

    func testAnAgentSignsInWithASafeCookieAndSignsOut() async throws {
        let shared = try shared
        try await withConsole { client in
            let agent = try await shared.makeUser(.agent, on: client.http)
            let response = try await client.signIn(agent.email, agent.password)
            XCTAssertEqual(response.status, .seeOther, response.text)
            XCTAssertEqual(response.headers[.location], "/console/fleet")
            let session = try XCTUnwrap(response.setCookies.first { $0.hasPrefix("airfleet_console=") })
            for flag in ["HttpOnly", "SameSite=Strict", "Path=/console"] { XCTAssertTrue(session.contains(flag), session) }
            XCTAssertFalse(session.contains("Secure"), "plain HTTP: \(session)")
            XCTAssertFalse(response.headers[.location]!.contains("token"), "a token in a URL")

            let overTLS = try await client.signIn(agent.email, agent.password, headers: [.xForwardedProto: "https"])
            XCTAssertTrue(overTLS.setCookies.first { $0.hasPrefix("airfleet_console=") }?.contains("Secure") == true, "\(overTLS.setCookies)")

            let signed = try await client.signedIn(agent)
            let fleet = try await client.get("/console/fleet", cookie: signed.cookie)
            XCTAssertTrue(fleet.text.contains(agent.email), "the page names who is signed in")
            for context in Self.contexts { XCTAssertTrue(fleet.text.contains(#"data-context="\#(context)""#), context) }

            let out = try await client.postForm("/console/sign-out", ["csrf": signed.csrf], cookie: signed.cookie)
            XCTAssertEqual(out.status, .seeOther, out.text)
            XCTAssertEqual(out.headers[.location], "/console/sign-in")
            let after = try await client.get("/console/fleet", cookie: signed.cookie)
            XCTAssertEqual(after.status, .seeOther, "the session still works after signing out")
        }
    }

    func testAStateChangeWithoutTheCSRFTokenIs403() async throws {
        let shared = try shared
        try await withConsole { client in
            let agent = try await shared.makeUser(.agent, on: client.http)
            let signed = try await client.signedIn(agent)
            let group = ["context": "flights", "type": "flight.delay.v1", "kind": "invalid"]
            for path in ["/console/dead-letters/replay", "/console/dead-letters/purge", "/console/sign-out"] {
                let without = try await client.postForm(path, group, cookie: signed.cookie)
                XCTAssertEqual(without.status, .forbidden, "\(path): \(without.text)")
                let wrong = try await client.postForm(path, group.merging(["csrf": "bm90LXRoZS10b2tlbg"]) { $1 }, cookie: signed.cookie)
                XCTAssertEqual(wrong.status, .forbidden, path)
            }
            // The token of another session is no good either.
            let other = try await client.signedIn(try await shared.makeUser(.admin, on: client.http))
            let borrowed = try await client.postForm("/console/sign-out", ["csrf": other.csrf], cookie: signed.cookie)
            XCTAssertEqual(borrowed.status, .forbidden)
            // The header does as well as the field.
            let header = try await client.postForm("/console/dead-letters/replay", group, cookie: signed.cookie,
                                                   headers: [HTTPField.Name("X-CSRF-Token")!: signed.csrf])
            XCTAssertEqual(header.status, .ok, header.text)

            let signIn = try await client.postForm("/console/sign-in", ["email": agent.email, "password": agent.password], cookie: nil)
            XCTAssertEqual(signIn.status, .forbidden, "a sign-in without its CSRF field")
        }
    }

    func testADeadLetterIsSeenOpenedAndReplayed() async throws {
        let shared = try shared
        try await withConsole { client in
            _ = try shared.fleet.drain("airfleet.flights.dlq")
            let admin = try await shared.makeUser(.admin, on: client.http)
            let signed = try await client.signedIn(admin)
            try self.publishPoison()
            try await self.waitForMessages(1, in: "airfleet.flights.dlq")

            let list = try await client.get("/console/dead-letters", cookie: signed.cookie)
            XCTAssertEqual(list.status, .ok, list.text)
            XCTAssertTrue(list.text.contains("flight.delay.v1"), list.text)
            let kind = try XCTUnwrap(list.text.range(of: #"data-group="flights flight.delay.v1 [a-z-]+""#, options: .regularExpression)
                .map { String(list.text[$0].dropFirst(#"data-group="flights flight.delay.v1 "#.count).dropLast()) })
            let group = ["context": "flights", "type": "flight.delay.v1", "kind": kind, "csrf": signed.csrf]

            let dryRun = try await client.postForm("/console/dead-letters/replay", group, cookie: signed.cookie)
            XCTAssertTrue(dryRun.text.contains("1 dead letter(s) of flight.delay.v1"), dryRun.text)
            try await self.waitForMessages(1, in: "airfleet.flights.dlq")

            let replay = try await client.postForm("/console/dead-letters/replay", group.merging(["confirm": "yes"]) { $1 }, cookie: signed.cookie)
            XCTAssertTrue(replay.text.contains("Replayed 1 dead letter(s)"), replay.text)
            // Still poison: back in the dead letters, now replayed once.
            try await self.waitForMessages(1, in: "airfleet.flights.dlq")
            let letters = try await client.get("/console/dead-letters/group?context=flights&type=flight.delay.v1&kind=\(kind)", cookie: signed.cookie)
            let id = try XCTUnwrap(letters.text.range(of: #"<code>[0-9A-Fa-f-]{36}</code>"#, options: .regularExpression)
                .map { String(letters.text[$0].dropFirst(6).dropLast(7)) })
            let message = try await client.get("/console/dead-letters/message?context=flights&id=\(id)", cookie: signed.cookie)
            XCTAssertEqual(message.status, .ok, message.text)
            XCTAssertTrue(message.text.contains("not-a-uuid"), "the envelope is shown")
            XCTAssertTrue(message.text.contains("x-airfleet-replays"), "the headers are shown")

            let purge = try await client.postForm("/console/dead-letters/purge", group, cookie: signed.cookie)
            XCTAssertTrue(purge.text.contains("would be deleted for good"), purge.text)
            let purged = try await client.postForm("/console/dead-letters/purge", group.merging(["confirm": "yes"]) { $1 }, cookie: signed.cookie)
            XCTAssertTrue(purged.text.contains("Deleted 1 dead letter(s)"), purged.text)
            try await self.waitForMessages(0, in: "airfleet.flights.dlq")
        }
    }

    /// As `airfleet ingress` runs it: the console reads the fleet from the process's environment
    /// (ops/test points it at the test servers) and shows every context of the catalogue.
    func testWithoutSettingsTheConsoleReportsOnTheEnvironmentsFleet() async throws {
        let shared = try shared
        try await shared.withIngress { http in
            let client = ConsoleClient(http: http, port: 0)
            let signed = try await client.signedIn(try await shared.makeUser(.admin, on: http))
            let fleet = try await client.get("/console/fleet", cookie: signed.cookie)
            XCTAssertEqual(fleet.status, .ok, fleet.text)
            for context in Catalogue.contextNames { XCTAssertTrue(fleet.text.contains(#"data-context="\#(context)""#), context) }
        }
    }

    func testTheFleetStreamSendsFigures() async throws {
        let shared = try shared
        try await withConsole { client in
            let agent = try await shared.makeUser(.agent, on: client.http)
            let signed = try await client.signedIn(agent)
            // The stream never ends: read its first event as it arrives.
            let stream = try ConsoleEventStream(port: client.port, path: "/console/fleet/events", cookie: signed.cookie)
            defer { stream.close() }
            let opening = try stream.read(until: "\r\n\r\n", timeout: 5)
            XCTAssertTrue(opening.contains("HTTP/1.1 200"), opening)
            XCTAssertTrue(opening.lowercased().contains("content-type: text/event-stream"), opening)
            let first = try stream.read(until: "\n\n", timeout: 10)
            XCTAssertTrue(first.contains("event: figures\ndata: {"), first)
            XCTAssertTrue(first.contains(#""context":"flights""#), first)
        }
    }
}

extension HTTPField.Name {
    static let xForwardedProto = HTTPField.Name("X-Forwarded-Proto")!
}
