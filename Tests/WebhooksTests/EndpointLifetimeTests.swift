import Contracts
import Fleet
import FleetTestSupport
import Foundation
import Webhooks
import XCTest

/// An endpoint that keeps failing is disabled, and a replay of its dead letters brings it back.
final class EndpointLifetimeTests: WebhooksTestCase {
    override func settings() -> WebhooksContext.Settings {
        var settings = super.settings()
        settings.disableAfter = .seconds(1)
        settings.retryLadder = RetryLadder(delays: Array(repeating: .milliseconds(200), count: 30))
        return settings
    }

    func testAnEndpointFailingLongerThanAllowedIsDisabledAndUnbound() throws {
        try startConsumer()
        let (id, _) = try register("/too-many", events: ["booking.*"])
        try publish(confirmed())
        try fleet.eventually("the endpoint is disabled", timeout: .seconds(20)) {
            try client().ask(ListWebhooks(webhookId: id)).webhooks.first?.state == .disabled
        }
        let entry = try XCTUnwrap(client().ask(ListWebhooks(webhookId: id)).webhooks.first)
        XCTAssertNotNil(entry.disabledAt)
        XCTAssertTrue(entry.lastError?.contains("429") == true, "\(String(describing: entry.lastError))")
        try fleet.eventually("its binding goes") { try fleet.integer("SELECT count(*) FROM \(schema).webhook_bindings") == 0 }
        let attempts = try receiver.requests().count
        settle()
        XCTAssertEqual(try receiver.requests().count, attempts, "a disabled endpoint gets nothing")
    }
}
