import AMQP
import Contracts
import Fleet
import FleetTestSupport
import Foundation
@testable import Payments
import XCTest

/// Payments on a real broker and database: one charge per booking whatever arrives how often,
/// refunds checked against the charge, and a provider that never recovers.
final class PaymentsFleetTests: XCTestCase {
    var fleet: TestFleet!
    var payments: String { fleet.schema("payments") }

    override func setUpWithError() throws {
        fleet = try TestFleet(contexts: [PaymentsContext.definition(gateway: TopologyOnlyGateway())])
    }

    override func tearDown() { fleet?.tearDown() }

    private func gateway(latency: Duration = .milliseconds(2)) throws -> SandboxGateway {
        SandboxGateway(database: try fleet.configuration.database(for: "payments"),
                       schema: fleet.configuration.schema(for: "payments"),
                       settings: .init(latency: latency, clientTimeout: .milliseconds(100)), logger: fleet.logger)
    }

    private func start(_ count: Int, breakerFailures: Int = 50, latency: Duration = .milliseconds(2), batchSize: Int = 2) throws {
        for _ in 0..<count {
            _ = try fleet.start(PaymentsContext.definition(gateway: try gateway(latency: latency), settings: .init(
                breakerFailures: breakerFailures, breakerCoolDown: .seconds(30), retry: RetryPolicy(attempts: 3, base: 0.01, cap: 0.05),
                maxDeliveries: 3)), settings: ["AIRFLEET_BATCH_SIZE": "\(batchSize)", "AIRFLEET_PREFETCH": "\(2 * batchSize)"])
        }
    }

    func testABatchOfChargesIsPutToTheProviderAtOnceAndEachChargedOnce() throws {
        let bookings = (0..<20).map { _ in UUID() }
        // In the queue before the process starts, so they arrive as one batch.
        try publish(try bookings.map { booking in
            try OutgoingMessage.make(ChargePayment(bookingId: booking, customerId: UUID(), amount: 1_000, currency: "EUR",
                                                   paymentToken: "tok_visa"), source: "airfleet/tests")
        })
        try start(1, latency: .milliseconds(300), batchSize: 20)
        try fleet.eventually("every charge is captured", timeout: .seconds(30)) {
            try fleet.integer("SELECT count(*) FROM \(payments).payments WHERE state = 'captured'") == 20
        }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(payments).sandbox_charges"), 20)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(payments).sandbox_calls WHERE calls <> 1"), 0, "one call per charge")
        // One after the other, twenty 300 ms calls would spread over at least 5.7 s.
        let spread = try fleet.integer(
            "SELECT (extract(epoch FROM max(created_at) - min(created_at)) * 1000)::int FROM \(payments).sandbox_charges")
        XCTAssertLessThan(spread, 2_000, "the provider saw the batch's charges together, not in turn")
    }

    private func publish(_ messages: [OutgoingMessage]) throws {
        let publisher = try fleet.publisher()
        defer { publisher.close() }
        XCTAssertTrue(try publisher.publish(messages).allSatisfy { $0.outcome == .delivered })
    }

    private func ask(_ bookingId: UUID) throws -> PaymentView {
        let client = try QueryClient(amqp: fleet.configuration.amqp, source: "airfleet/tests", logger: fleet.logger)
        defer { client.close() }
        return try client.ask(GetPayment(bookingId: bookingId)).payment
    }

    func testOneChargePerBookingHoweverOftenAndByWhomeverTheCommandArrives() throws {
        try start(2)
        let booking = UUID()
        let charge = ChargePayment(bookingId: booking, customerId: UUID(), amount: 12_345, currency: "EUR", paymentToken: "tok_fail_2")
        // Three messages for one booking, to two processes, on a card that fails twice first.
        try publish(try (0..<3).map { _ in try OutgoingMessage.make(charge, source: "airfleet/tests") })
        try fleet.eventually("the charge is captured") { try ask(booking).state == .captured }
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(payments).sandbox_charges"), 1)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(payments).payments"), 1)
        XCTAssertEqual(try fleet.integer("SELECT calls FROM \(payments).sandbox_calls"), 3, "two failures, one charge; the rest answered from the row")
        let payment = try ask(booking)
        XCTAssertEqual(payment.amount, 12_345)
        XCTAssertEqual(payment.cardLast4, "3220")
    }

    func testRefundsAreKeyedByRefundIdAndNeverExceedTheCharge() throws {
        try start(1)
        let booking = UUID()
        try publish([try OutgoingMessage.make(ChargePayment(bookingId: booking, customerId: UUID(), amount: 10_000, currency: "EUR",
                                                            paymentToken: "tok_visa"), source: "airfleet/tests")])
        try fleet.eventually("the charge is captured") { try ask(booking).state == .captured }

        let first = RefundPayment(refundId: UUID(), bookingId: booking, amount: 6_000, reason: "cancelled")
        let tooMuch = RefundPayment(refundId: UUID(), bookingId: booking, amount: 5_000, reason: "cancelled again")
        let nothingCharged = RefundPayment(refundId: UUID(), bookingId: UUID(), amount: 100, reason: "cancelled")
        try publish([first, first, tooMuch, nothingCharged].map { try OutgoingMessage.make($0, source: "airfleet/tests") })
        try fleet.eventually("the three refunds are decided") {
            try fleet.integer("SELECT count(*) FROM \(payments).refunds WHERE state <> 'pending'") == 3
        }
        XCTAssertEqual(try fleet.integer("SELECT coalesce(sum(amount), 0) FROM \(payments).sandbox_refunds"), 6_000)
        let payment = try ask(booking)
        XCTAssertEqual(payment.refunded, 6_000)
        XCTAssertEqual(payment.refunds.map(\.state).sorted { $0.rawValue < $1.rawValue }, [.failed, .refunded])
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(payments).refunds WHERE failure = 'no-charge'"), 1)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(payments).refunds WHERE failure = 'exceeds-charge'"), 1)
    }

    func testAChargeThatNeverGetsThroughFailsAfterTheLadderInsteadOfWaitingForever() throws {
        try start(1)
        let booking = UUID()
        try publish([try OutgoingMessage.make(ChargePayment(bookingId: booking, customerId: UUID(), amount: 500, currency: "EUR",
                                                            paymentToken: "tok_fail_20"), source: "airfleet/tests")])
        try fleet.eventually("the charge fails") { try ask(booking).state == .failed }
        XCTAssertEqual(try ask(booking).reason, "retries-exhausted")
        XCTAssertEqual(try fleet.integer("SELECT calls FROM \(payments).sandbox_calls"), 9, "three deliveries of three calls")
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(payments).sandbox_charges"), 0)
        XCTAssertEqual(try fleet.totalMessages(Topology.deadLetterQueue(of: "payments")), 0)
    }
}

/// The gateway of the definition that only declares the topology; it is never called.
struct TopologyOnlyGateway: PaymentGateway {
    func charge(_ request: ChargeRequest) throws(GatewayError) -> ChargeOutcome { throw .unavailable("not a provider") }
    func refund(_ request: RefundRequest) throws(GatewayError) -> RefundOutcome { throw .unavailable("not a provider") }
    func status(idempotencyKey: String) throws(GatewayError) -> ChargeOutcome? { nil }
}
