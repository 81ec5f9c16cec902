import Contracts
import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// What the Swift types encode validates against Schemas/payments/<type>.schema.json, and each
/// schema's examples decode into the Swift type.
final class SchemaTests: XCTestCase {
    private func validate(_ schema: String, _ documents: [Data]) throws -> (status: Int32, output: String) {
        try SchemaCheck.validate(documents, against: "payments/\(schema).schema.json")
    }

    private struct AnyValue: Encodable {
        let value: any Encodable
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }

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
        for (name, values) in samples {
            let documents = try values.map { try FleetJSON.encoder().encode(AnyValue(value: $0)) }
            let result = try validate(name, documents)
            XCTAssertEqual(result.status, 0, "\(name): \(result.output)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: SchemaCheck.folder.appendingPathComponent("payments").path)
        XCTAssertEqual(Set(files.map { $0.replacingOccurrences(of: ".schema.json", with: "") }), Set(samples.map(\.0)),
                       "every schema has a Swift type, and every type a schema")
    }

    func testEachSchemasExamplesValidateAndDecodeIntoTheSwiftType() throws {
        func check<T: Decodable>(_ type: T.Type, _ name: String) throws {
            let data = try Data(contentsOf: SchemaCheck.folder.appendingPathComponent("payments/\(name).schema.json"))
            let schema = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
            let documents = try XCTUnwrap(schema["examples"] as? [Any], name).map { try JSONSerialization.data(withJSONObject: $0) }
            XCTAssertEqual(try validate(name, documents).status, 0, name)
            for document in documents { XCTAssertNoThrow(try FleetJSON.decoder().decode(T.self, from: document), name) }
        }
        try check(ChargePayment.self, "payment.charge.v1")
        try check(RefundPayment.self, "payment.refund.v1")
        try check(PaymentCaptured.self, "payment.captured.v1")
        try check(PaymentDeclined.self, "payment.declined.v1")
        try check(PaymentFailed.self, "payment.failed.v1")
        try check(PaymentRefunded.self, "payment.refunded.v1")
        try check(PaymentRefundFailed.self, "payment.refund-failed.v1")
        try check(GetPayment.self, "payment.get.v1")
        try check(GetPayment.Response.self, "payment.get.v1.response")
    }

    func testTheContractsRefuseACardNumberForAToken() {
        var charge = ChargePayment(bookingId: UUID(), customerId: UUID(), amount: 100, currency: "EUR", paymentToken: "4242424242424242")
        XCTAssertThrowsError(try charge.validate()) { XCTAssertEqual(($0 as? ValidationError)?.field, "paymentToken") }
        charge.paymentToken = "tok_visa"
        charge.amount = 0
        XCTAssertThrowsError(try charge.validate()) { XCTAssertEqual(($0 as? ValidationError)?.field, "amount") }
    }
}
