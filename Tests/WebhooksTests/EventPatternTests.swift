import Contracts
import Fleet
import Foundation
@testable import Webhooks
import XCTest

/// Patterns as binding keys, as matches on a type, and as PostgreSQL's regular expressions.
final class EventPatternTests: XCTestCase {
    private let types = ["booking.confirmed.v1", "booking.confirmed.v2", "booking.cancelled.v1", "flight.cancelled.v1",
                         "flight.delayed.v1", "customer.registered.v2"].map { MessageType(parsing: $0)! }

    private func matched(_ pattern: String) throws -> [String] {
        let pattern = try EventPattern(pattern)
        let expression = try NSRegularExpression(pattern: pattern.typeExpression)
        return types.filter { type in
            let text = type.description
            let byRegex = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            XCTAssertEqual(byRegex, pattern.matches(type), "\(pattern) on \(text): the database and the broker agree")
            return pattern.matches(type)
        }.map(\.description)
    }

    func testPatternsMatchAsTheirBindingKeysDo() throws {
        XCTAssertEqual(try EventPattern("booking.*").bindingKey, "booking.#")
        XCTAssertEqual(try EventPattern("booking.confirmed").bindingKey, "booking.confirmed.*")
        XCTAssertEqual(try EventPattern("booking.confirmed.v1").bindingKey, "booking.confirmed.v1")
        XCTAssertEqual(try EventPattern("*").bindingKey, "#")
        XCTAssertEqual(try EventPattern("*.cancelled").bindingKey, "*.cancelled.*")

        XCTAssertEqual(try matched("booking.*"), ["booking.confirmed.v1", "booking.confirmed.v2", "booking.cancelled.v1"])
        XCTAssertEqual(try matched("booking.confirmed"), ["booking.confirmed.v1", "booking.confirmed.v2"])
        XCTAssertEqual(try matched("booking.confirmed.v1"), ["booking.confirmed.v1"])
        XCTAssertEqual(try matched("*.cancelled"), ["booking.cancelled.v1", "flight.cancelled.v1"])
        XCTAssertEqual(try matched("*").count, types.count)
    }

    func testABadPatternOrURLIsRefusedNamingTheField() {
        for bad in ["", "Booking.*", "booking..x", "booking.*x", "booking.-x", "booking confirmed"] {
            XCTAssertThrowsError(try EventPattern(bad), bad)
        }
        func field(_ command: RegisterWebhook) -> String? {
            do { try command.validate(); return nil } catch { return (error as? ValidationError)?.field }
        }
        let id = UUID()
        XCTAssertEqual(field(RegisterWebhook(webhookId: id, url: "ftp://example.com/x", events: ["*"])), "url")
        XCTAssertEqual(field(RegisterWebhook(webhookId: id, url: "https://user:pw@example.com/x", events: ["*"])), "url")
        XCTAssertEqual(field(RegisterWebhook(webhookId: id, url: "https://example.com/x", events: [])), "events")
        XCTAssertEqual(field(RegisterWebhook(webhookId: id, url: "https://example.com/x", events: ["booking.*", "Nope"])), "events[1]")
        XCTAssertNil(field(RegisterWebhook(webhookId: id, url: "https://example.com/x", events: ["booking.*"])))
    }
}
