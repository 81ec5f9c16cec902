import AMQP
import Contracts
import Fleet
import FleetTestSupport
import Foundation
@testable import Payments
import XCTest

/// A charge that meets an open circuit breaker: its card was never tried, so it waits for the
/// breaker (off the batch) while the booking's hold leaves time, and fails as `circuit-open` only
/// when it does not.
final class BreakerTests: XCTestCase {
    var fleet: TestFleet!
    var payments: String { fleet.schema("payments") }

    override func setUpWithError() throws {
        fleet = try TestFleet(contexts: [PaymentsContext.definition(gateway: TopologyOnlyGateway())])
    }

    override func tearDown() { fleet?.tearDown() }

    func testAChargeMeetingAnOpenBreakerWaitsForItAndIsChargedUnlessItsHoldRunsOutFirst() throws {
        let gateway = SandboxGateway(database: try fleet.configuration.database(for: "payments"),
                                     schema: fleet.configuration.schema(for: "payments"),
                                     settings: .init(latency: .milliseconds(2), clientTimeout: .milliseconds(100)), logger: fleet.logger)
        let coolDown = 4.0
        _ = try fleet.start(PaymentsContext.definition(gateway: gateway, settings: .init(
            breakerFailures: 3, breakerCoolDown: .seconds(coolDown), retry: RetryPolicy(attempts: 3, base: 0.01, cap: 0.05),
            maxDeliveries: 3, holdMargin: .seconds(1))))

        // Three failed calls in a row open the breaker.
        try publish(ChargePayment(bookingId: UUID(), customerId: UUID(), amount: 500, currency: "EUR", paymentToken: "tok_unavailable"))
        try fleet.eventually("the breaker opens") {
            try fleet.integer("SELECT coalesce(sum(calls), 0) FROM \(payments).sandbox_calls") >= 3
        }
        let opened = Date()
        let patient = ChargePayment(bookingId: UUID(), customerId: UUID(), amount: 1_000, currency: "EUR", paymentToken: "tok_visa",
                                    holdExpiresAt: Date().addingTimeInterval(60))
        let hurried = ChargePayment(bookingId: UUID(), customerId: UUID(), amount: 2_000, currency: "EUR", paymentToken: "tok_visa",
                                    holdExpiresAt: Date().addingTimeInterval(2))
        try publish(patient, hurried)

        try fleet.eventually("the hurried charge fails: its hold ends before the breaker lets a call through") {
            try state(hurried) == "failed"
        }
        XCTAssertEqual(try reason(hurried), "circuit-open")
        XCTAssertEqual(try calls(hurried), 0, "its card was never tried")

        try fleet.eventually("the patient charge is captured once the breaker lets calls through", timeout: .seconds(30)) {
            try state(patient) == "captured"
        }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(opened), coolDown - 0.5, "it waited for the cool-down")
        XCTAssertEqual(try calls(patient), 1, "tried once, after the breaker's cool-down")
        XCTAssertEqual(try fleet.totalMessages(Topology.deadLetterQueue(of: "payments")), 0)
    }

    private func publish(_ charges: ChargePayment...) throws {
        let publisher = try fleet.publisher()
        defer { publisher.close() }
        let receipts = try publisher.publish(try charges.map { try OutgoingMessage.make($0, source: "airfleet/tests") })
        XCTAssertTrue(receipts.allSatisfy { $0.outcome == .delivered })
    }

    private func state(_ charge: ChargePayment) throws -> String? {
        try fleet.database().query("SELECT state FROM \(payments).payments WHERE booking_id = $1", charge.bookingId)
            .first?.decode(String.self, at: 0)
    }

    private func reason(_ charge: ChargePayment) throws -> String? {
        try fleet.database().query("SELECT reason FROM \(payments).payments WHERE booking_id = $1", charge.bookingId)
            .first?.decode(String?.self, at: 0)
    }

    private func calls(_ charge: ChargePayment) throws -> Int {
        try fleet.integer("SELECT coalesce(sum(calls), 0) FROM \(payments).sandbox_calls WHERE idempotency_key = $1",
                          PaymentStore.chargeKey(charge.bookingId))
    }
}
