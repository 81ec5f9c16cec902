import Foundation
import XCTest

@testable import airfleet_load

final class WebhookCheckTests: XCTestCase {
    private let bookingA = "0b7c2a52-7d0e-4c39-9a43-3f1f6a0f6a01"
    private let bookingB = "0b7c2a52-7d0e-4c39-9a43-3f1f6a0f6a02"

    /// A POST as the receiver logs it: the webhook-id header and an envelope of that id.
    private func post(_ id: String, booking: String, type: String = "booking.confirmed.v1", envelopeId: String? = nil,
                      signatureValid: Bool? = true, status: Int = 200, at timestamp: Int = 1_000) -> WebhookCheck.Request {
        let envelope: [String: Any] = ["specversion": "1.0", "id": envelopeId ?? id, "type": type, "source": "airfleet/bookings",
                                       "data": ["bookingId": booking.uppercased()]]
        let body = String(decoding: try! JSONSerialization.data(withJSONObject: envelope), as: UTF8.self)
        return WebhookCheck.Request(id: id, timestamp: String(timestamp), signatureValid: signatureValid, status: status, body: body)
    }

    func testEachConfirmedBookingWithOneSignedAcceptedPostPasses() {
        let tally = WebhookCheck.tally([post("e1", booking: bookingA), post("e2", booking: bookingB)], confirmed: [bookingA, bookingB])
        XCTAssertTrue(tally.passed, "\(tally)")
        XCTAssertEqual(tally.requests, 2)
        XCTAssertEqual(tally.duplicates, [])
    }

    func testCopiesUnderOneWebhookIdAreReportedNotFailed() {
        let tally = WebhookCheck.tally([post("e1", booking: bookingA, at: 100), post("e1", booking: bookingA, at: 161)],
                                       confirmed: [bookingA])
        XCTAssertTrue(tally.passed, "\(tally)")
        XCTAssertEqual(tally.duplicates, [WebhookCheck.Duplicate(webhookId: "e1", copies: 2, firstAt: 100)])
    }

    func testABookingWithoutAnAcceptedSignedPostIsMissing() {
        let requests = [post("e1", booking: bookingA, signatureValid: false), post("e2", booking: bookingB, status: 500),
                        post("e3", booking: bookingB, type: "booking.requested.v1")]
        let tally = WebhookCheck.tally(requests, confirmed: [bookingA, bookingB])
        XCTAssertFalse(tally.passed)
        XCTAssertEqual(tally.missing, [bookingA, bookingB])
        XCTAssertEqual(tally.notAccepted, 1)
    }

    func testAnyPostWithoutAValidSignatureFails() {
        var unsigned = post("e2", booking: bookingA)
        unsigned.signatureValid = nil
        let tally = WebhookCheck.tally([post("e1", booking: bookingA), unsigned, post("e1", booking: bookingA, signatureValid: false)],
                                       confirmed: [bookingA])
        XCTAssertEqual(tally.missing, [])
        XCTAssertEqual(tally.badSignatures, ["e2 (unsigned)", "e1 (signature does not verify)"])
        XCTAssertFalse(tally.passed)
    }

    func testOneBookingUnderTwoWebhookIdsFails() {
        let tally = WebhookCheck.tally([post("e1", booking: bookingA), post("e9", booking: bookingA)], confirmed: [bookingA])
        XCTAssertEqual(tally.splitIds, ["\(bookingA) (e1, e9)"])
        XCTAssertFalse(tally.passed)
    }

    func testAWebhookIdThatIsNotTheEnvelopesIdFails() {
        let tally = WebhookCheck.tally([post("e1", booking: bookingA, envelopeId: "other")], confirmed: [bookingA])
        XCTAssertEqual(tally.foreignIds, ["e1 carries envelope other"])
        XCTAssertFalse(tally.passed)
    }

    func testEventsOfOtherBookingsAreCountedApart() {
        let tally = WebhookCheck.tally([post("e1", booking: bookingA), post("e2", booking: bookingB)], confirmed: [bookingA])
        XCTAssertTrue(tally.passed, "\(tally)")
        XCTAssertEqual(tally.otherBookings, 1)
    }

    func testADuplicateNearAWebhooksKillOrAPostgresRestartIsExplained() {
        let duplicates = [WebhookCheck.Duplicate(webhookId: "e1", copies: 2, firstAt: 100),
                          WebhookCheck.Duplicate(webhookId: "e2", copies: 2, firstAt: 200),
                          WebhookCheck.Duplicate(webhookId: "e3", copies: 2, firstAt: 300)]
        let faults = [DrillFault(at: 101.5, fault: "sigkill", target: "webhooks-1"), DrillFault(at: 198, fault: "restart", target: "postgres"),
                      DrillFault(at: 300, fault: "sigkill", target: "flights-1")]
        XCTAssertEqual(WebhookCheck.nearFault(duplicates, faults), 2)
    }

    func testTheReceiversLogIsReadALineARequest() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("webhooks-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(("{\"path\": \"/ok\", \"id\": \"e1\", \"timestamp\": \"1000\", \"signatureValid\": true, \"contentType\": null, \"status\": 200, \"body\": \"{}\"}\n"
            + "{\"path\": \"/ok\", \"id\": null, \"timestamp\": null, \"signatureValid\": null, \"status\": 200, \"body\": \"\"}\n").utf8).write(to: file)
        let requests = try WebhookCheck.read(file.path)
        XCTAssertEqual(requests.map(\.id), ["e1", nil])
        XCTAssertEqual(requests.map(\.signatureValid), [true, nil])
        try Data("not json\n".utf8).write(to: file)
        XCTAssertThrowsError(try WebhookCheck.read(file.path))
    }
}
