import Contracts
import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// What the Swift types encode validates against Schemas/payments/<type>.schema.json, and each
/// schema has samples.
final class SchemaTests: XCTestCase {
    func testEveryMessageTheSwiftTypesEncodeValidatesAgainstItsSchema() throws {
        let booking = UUID(), payment = UUID(), refund = UUID(), now = Date()
        let samples: [(String, [any Encodable])] = [
            ("payment.charge.v1", [ChargePayment(bookingId: booking, customerId: UUID(), amount: 100, currency: "EUR",
                                                 paymentToken: "tok_visa", description: "Airfleet booking",
                                                 holdExpiresAt: now),
                                   ChargePayment(bookingId: booking, customerId: UUID(), amount: 1, currency: "GBP",
                                                 paymentToken: "tok_fail_2")]),
            ("payment.refund.v1", [RefundPayment(refundId: refund, bookingId: booking, amount: 5, reason: "booking cancelled")]),
            ("payment.captured.v1", [PaymentCaptured(paymentId: payment, bookingId: booking, amount: 100, currency: "EUR",
                                                     cardLast4: "4242", gatewayReference: "ch_1", capturedAt: now)]),
            ("payment.declined.v1", PaymentDeclined.Reason.allCases.map {
                PaymentDeclined(paymentId: payment, bookingId: booking, reason: $0, cardLast4: $0 == .invalidToken ? nil : "0002")
            }),
            ("payment.failed.v1", PaymentFailed.Reason.allCases.map {
                PaymentFailed(paymentId: payment, bookingId: booking, reason: $0, detail: "503")
            }),
            ("payment.refunded.v1", [PaymentRefunded(refundId: refund, paymentId: payment, bookingId: booking, amount: 5,
                                                     currency: "EUR", gatewayReference: "re_1", refundedAt: now)]),
            ("payment.refund-failed.v1", PaymentRefundFailed.Reason.allCases.map {
                PaymentRefundFailed(refundId: refund, bookingId: booking, reason: $0, detail: "no")
            }),
            ("payment.get.v1", [GetPayment(bookingId: booking)]),
            ("payment.get.v1.response", [GetPayment.Response(payment: PaymentView(
                paymentId: payment, bookingId: booking, customerId: UUID(), state: .captured, amount: 100, currency: "EUR",
                tokenReference: "tok_…", cardLast4: "4242", gatewayReference: "ch_1", reason: nil, refunded: 5,
                refunds: [PaymentView.Refund(refundId: refund, amount: 5, state: .refunded, reason: "cancelled", createdAt: now)],
                createdAt: now, updatedAt: now))]),
        ]
        XCTAssertEqual(try SchemaCheck.problems(encoding: samples, context: "payments"), [])
    }

    func testTheContractsRefuseACardNumberForAToken() {
        var charge = ChargePayment(bookingId: UUID(), customerId: UUID(), amount: 100, currency: "EUR", paymentToken: "4242424242424242")
        XCTAssertThrowsError(try charge.validate()) { XCTAssertEqual(($0 as? ValidationError)?.field, "paymentToken") }
        charge.paymentToken = "tok_visa"
        charge.amount = 0
        XCTAssertThrowsError(try charge.validate()) { XCTAssertEqual(($0 as? ValidationError)?.field, "amount") }
    }
}
