import AMQP
import Contracts
import Fleet
import FleetTestSupport
import Foundation
import HTTPDelivery
import Postgres
import TestServers
import Webhooks
import XCTest

/// Events delivered to endpoints: signed, once in effect, retried, dead-lettered, replayed.
final class DeliveryTests: WebhooksTestCase {
    private struct CloudEvent: Decodable {
        let id: String
        let type: String
        let specversion: String
        let data: [String: AnyDecodable]
    }

    private struct AnyDecodable: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    func testAnEndpointGetsTheEventsItsPatternsMatchSignedWithTheSecretShownOnce() throws {
        try startConsumer()
        let (id, secret) = try register("/ok", events: ["booking.*"])
        XCTAssertTrue(secret.hasPrefix("whsec_"))
        XCTAssertThrowsError(try client().ask(RevealWebhookSecret(webhookId: id)), "the secret is shown once") { error in
            XCTAssertEqual((error as? QueryError)?.kind, .conflict, "\(error)")
        }

        let flight = flight()
        let ids = try publish(confirmed())
        try publish(FlightScheduled(flight: flight))
        try fleet.eventually("the booking event is delivered") { try receiver.requests().count == 1 }
        settle()
        let requests = try receiver.requests()
        XCTAssertEqual(requests.count, 1, "flight.scheduled matches no pattern")
        let request = try XCTUnwrap(requests.first)
        XCTAssertEqual(request.signatureValid, true)
        XCTAssertEqual(request.id, ids[0], "the webhook-id is the event's id")
        XCTAssertEqual(request.contentType, "application/cloudevents+json")
        let event = try JSONDecoder().decode(CloudEvent.self, from: Data(request.body.utf8))
        XCTAssertEqual(event.id, ids[0])
        XCTAssertEqual(event.type, "booking.confirmed.v1")
        XCTAssertEqual(event.specversion, "1.0")
        XCTAssertEqual(try deliveryState(id, ids[0])?.state, "delivered")

        let list = try client().ask(ListWebhooks(webhookId: id))
        XCTAssertEqual(list.webhooks.first?.pendingDeliveries, 0)
        XCTAssertNotNil(list.webhooks.first?.lastDeliveredAt)
        let stored = try XCTUnwrap(fleet.database().query("SELECT secret FROM \(schema).webhook_endpoints WHERE webhook_id = $1", id)
            .first?.decode(Data.self, at: 0))
        XCTAssertNil(String(data: stored, encoding: .utf8).flatMap { $0.range(of: secret.dropFirst(6)) }, "stored encrypted")
    }

    func testAnEndpointAnswering500TwiceThen200GetsExactlyOneSuccess() throws {
        try startConsumer()
        let (id, _) = try register("/flaky/one", events: ["booking.confirmed"])
        let messageId = try publish(confirmed())[0]
        try fleet.eventually("the third attempt succeeds") { try deliveryState(id, messageId)?.state == "delivered" }
        settle()
        let requests = try receiver.requests()
        XCTAssertEqual(requests.map(\.status), [500, 500, 200])
        XCTAssertEqual(Set(requests.map(\.id)), [messageId], "every attempt carries the same webhook-id")
        XCTAssertEqual(try deliveryState(id, messageId)?.attempts, 3)
    }

    func testAHangingEndpointTimesOutAndIsTriedAgain() throws {
        try startConsumer()
        let (id, _) = try register("/hang", events: ["booking.confirmed.v1"])
        let messageId = try publish(confirmed())[0]
        try fleet.eventually("two attempts timed out", timeout: .seconds(20)) { try (deliveryState(id, messageId)?.attempts ?? 0) >= 2 }
        let delivery = try XCTUnwrap(deliveryState(id, messageId))
        XCTAssertEqual(delivery.state, "pending")
        XCTAssertTrue(delivery.error?.contains("time") == true, "\(String(describing: delivery.error))")
        let entry = try XCTUnwrap(client().ask(ListWebhooks(webhookId: id)).webhooks.first)
        XCTAssertNotNil(entry.failingSince)
        XCTAssertEqual(entry.pendingDeliveries, 1)
    }

    func testOneSlowEndpointDoesNotHoldUpAnother() throws {
        try startConsumer()
        try register("/hang", events: ["booking.*"])
        let (fast, _) = try register("/ok", events: ["booking.*"])
        let ids = try publish(confirmed(), confirmed(), confirmed())
        try fleet.eventually("the fast endpoint has all three", timeout: .seconds(5)) {
            try ids.allSatisfy { try deliveryState(fast, $0)?.state == "delivered" }
        }
    }

    func testA410IsDeadLetteredAtOnceWithTheStatusAndTheBody() throws {
        try startConsumer()
        let (id, _) = try register("/gone", events: ["booking.*"])
        let messageId = try publish(confirmed())[0]
        let letter = DeadLetter(delivery: try XCTUnwrap(deadLetters(count: 1).first), context: WebhooksContext.name)
        XCTAssertEqual(letter.type, "webhook.redeliver.v1")
        XCTAssertEqual(letter.kind, FailureKind.rejected.rawValue)
        XCTAssertEqual(letter.attempts, 1)
        XCTAssertTrue(letter.error.contains("410"), letter.error)
        XCTAssertTrue(letter.error.contains("this endpoint is retired"), letter.error)
        XCTAssertEqual(letter.origin, Topology.queue(of: WebhooksContext.name))
        XCTAssertEqual(try deliveryState(id, messageId)?.state, "dead")
        XCTAssertEqual(try receiver.requests().count, 1)
    }

    func testAfterTheLastAttemptTheDeliveryIsDeadLetteredAndAReplaySendsItAgain() throws {
        try startConsumer()
        // Four attempts (the ladder has three rungs), each answered 429.
        let (id, _) = try register("/too-many", events: ["booking.*"])
        let messageId = try publish(confirmed())[0]
        let delivery = try XCTUnwrap(deadLetters(count: 1).first)
        let letter = DeadLetter(delivery: delivery, context: WebhooksContext.name)
        XCTAssertEqual(letter.kind, FailureKind.retriesExhausted.rawValue)
        XCTAssertEqual(letter.attempts, 4)
        XCTAssertTrue(letter.error.contains("429"), letter.error)
        XCTAssertEqual(try receiver.requests().count, 4)
        XCTAssertEqual(try deliveryState(id, messageId)?.state, "dead")

        // The endpoint is fixed: it now points where deliveries succeed; the replay goes there.
        _ = try fleet.database().execute("UPDATE \(schema).webhook_endpoints SET url = $2 WHERE webhook_id = $1", id, receiver.url("/ok"))
        let connection = try AMQPConnection(fleet.configuration.amqp, logger: fleet.logger)
        defer { connection.close() }
        let channel = try connection.openChannel()
        try channel.enableConfirms()
        XCTAssertEqual(try channel.publishConfirmed([letter.replayMessage(at: Date())]), [.confirmed])
        try fleet.eventually("the replayed delivery succeeds") { try deliveryState(id, messageId)?.state == "delivered" }
        let requests = try receiver.requests()
        XCTAssertEqual(requests.last?.path, "/ok")
        XCTAssertEqual(requests.last?.id, messageId)
        XCTAssertEqual(requests.last?.signatureValid, true)
    }

    func testARotatedSecretSignsBesideThePreviousOneUntilItExpires() throws {
        try startConsumer()
        let (id, old) = try register("/ok", events: ["booking.*"])
        try send(RotateWebhookSecret(webhookId: id))
        var new = ""
        try fleet.eventually("the new secret can be shown") {
            guard let answer = try? client().ask(RevealWebhookSecret(webhookId: id)) else { return false }
            new = answer.secret
            XCTAssertNotNil(answer.previousSecretExpiresAt)
            return true
        }
        XCTAssertNotEqual(new, old)

        // A receiver that knows only the old secret still accepts, and so does one that knows only the new.
        try publish(confirmed())
        try fleet.eventually("delivered") { try receiver.requests().count == 1 }
        XCTAssertEqual(try receiver.requests()[0].signatureValid, true, "signed with the old secret too")
        try receiver.distrustAdded()
        try receiver.trust(new)
        try publish(confirmed())
        try fleet.eventually("delivered") { try receiver.requests().count == 2 }
        XCTAssertEqual(try receiver.requests()[1].signatureValid, true, "signed with the new secret")

        // Once the previous secret has expired, it signs nothing more.
        _ = try fleet.database().execute(
            "UPDATE \(schema).webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second' WHERE webhook_id = $1", id)
        try receiver.distrustAdded()
        try receiver.trust(old)
        try publish(confirmed())
        try fleet.eventually("delivered") { try receiver.requests().count == 3 }
        XCTAssertEqual(try receiver.requests()[2].signatureValid, false, "the old secret no longer signs")
    }

    func testADeletedEndpointGetsNothingMoreAndItsBindingGoes() throws {
        try startConsumer()
        let (id, _) = try register("/ok", events: ["booking.cancelled"])
        try send(DeleteWebhook(webhookId: id))
        try fleet.eventually("the binding goes with the last endpoint that needed it") {
            try fleet.integer("SELECT count(*) FROM \(schema).webhook_bindings") == 0
        }
        XCTAssertThrowsError(try client().ask(ListWebhooks(webhookId: id))) { error in
            XCTAssertEqual((error as? QueryError)?.kind, .notFound, "\(error)")
        }
        XCTAssertEqual(try client().ask(ListWebhooks()).webhooks.count, 0)
    }
}
