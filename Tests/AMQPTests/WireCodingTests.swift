@testable import AMQP
import CRabbitMQ
import Foundation
import XCTest

/// Field tables and properties through rabbitmq-c's own encoder and decoder, without a broker.
final class WireCodingTests: XCTestCase {
    let when = Date(timeIntervalSince1970: 1_790_000_123)

    func testTableSurvivesRabbitMQCEncodeAndDecode() throws {
        let table: AMQPTable = [
            "bool": true, "int": .int(Int64.min), "double": 0.125, "string": "héllo ✈",
            "bytes": .bytes([0, 1, 254, 255]), "time": .timestamp(when), "void": .void,
            "nested": ["inner": ["deep": false], "list": [1, "two", .timestamp(when)]],
            "empty-table": .table([:]), "empty-array": .array([]),
        ]
        XCTAssertEqual(try roundTrip(table), table)
    }

    func testDecodesEveryIntegerWidthAndTheOtherKinds() {
        var field = amqp_field_value_t()
        func decode(_ kind: UInt8, _ set: (inout amqp_field_value_t) -> Void) -> AMQPFieldValue {
            field = amqp_field_value_t()
            field.kind = kind
            set(&field)
            return WireDecoding.fieldValue(field)
        }
        XCTAssertEqual(decode(FieldKind.i8) { $0.value.i8 = -8 }, .int(-8))
        XCTAssertEqual(decode(FieldKind.u8) { $0.value.u8 = 200 }, .int(200))
        XCTAssertEqual(decode(FieldKind.i16) { $0.value.i16 = -16_000 }, .int(-16_000))
        XCTAssertEqual(decode(FieldKind.u16) { $0.value.u16 = 65_000 }, .int(65_000))
        XCTAssertEqual(decode(FieldKind.i32) { $0.value.i32 = -2_000_000_000 }, .int(-2_000_000_000))
        XCTAssertEqual(decode(FieldKind.u32) { $0.value.u32 = 4_000_000_000 }, .int(4_000_000_000))
        XCTAssertEqual(decode(FieldKind.u64) { $0.value.u64 = 42 }, .int(42))
        XCTAssertEqual(decode(FieldKind.u64) { $0.value.u64 = UInt64.max }, .double(Double(UInt64.max)))
        XCTAssertEqual(decode(FieldKind.f32) { $0.value.f32 = 1.5 }, .double(1.5))
        XCTAssertEqual(decode(FieldKind.decimal) { $0.value.decimal = amqp_decimal_t(decimals: 2, value: 12_345) }, .double(123.45))
        XCTAssertEqual(decode(FieldKind.void) { _ in }, .void)
    }

    func testAccessors() {
        XCTAssertEqual(AMQPFieldValue.int(5).intValue, 5)
        XCTAssertEqual(AMQPFieldValue.string(" 17 ").intValue, 17)
        XCTAssertNil(AMQPFieldValue.string("seventeen").intValue)
        XCTAssertEqual(AMQPFieldValue.bytes(Array("text".utf8)).stringValue, "text")
        XCTAssertEqual(AMQPFieldValue.bool(true).boolValue, true)
        XCTAssertNil(AMQPFieldValue.int(1).boolValue)
        XCTAssertEqual(AMQPFieldValue.timestamp(when).dateValue, when)
        XCTAssertEqual(AMQPFieldValue.table(["a": 1]).tableValue, ["a": 1])
        XCTAssertEqual(AMQPFieldValue.array([1]).arrayValue, [1])
    }

    func testPropertiesSurviveEncoding() {
        let properties = AMQPProperties(
            contentType: "application/json", contentEncoding: "gzip", headers: ["x-attempt": 2], persistent: false,
            priority: 4, correlationId: "c", replyTo: "r", expiration: "1000", messageId: "m", timestamp: when,
            type: "t.v1", userId: "u", appId: "a")
        let decoded = WireArena.with { arena in AMQPProperties(decoding: properties.encoded(in: arena)) }
        XCTAssertEqual(decoded, properties)
        let empty = WireArena.with { arena in AMQPProperties(decoding: AMQPProperties().encoded(in: arena)) }
        XCTAssertEqual(empty, AMQPProperties())
    }

    func testTimestampsCarryWholeSeconds() {
        XCTAssertEqual(WireTime.seconds(Date(timeIntervalSince1970: 10.9)), 10)
        XCTAssertEqual(WireTime.seconds(Date(timeIntervalSince1970: -5)), 0)
    }

    /// Encodes with amqp_encode_table and decodes with amqp_decode_table, the code the
    /// library runs on the wire.
    private func roundTrip(_ table: AMQPTable) throws -> AMQPTable {
        try WireArena.with { arena in
            var encoded = arena.table(table)
            var buffer = [UInt8](repeating: 0, count: 65_536)
            return try buffer.withUnsafeMutableBytes { raw in
                var offset = 0
                let output = amqp_bytes_t(len: raw.count, bytes: raw.baseAddress)
                XCTAssertEqual(amqp_encode_table(output, &encoded, &offset), 0)
                var pool = amqp_pool_t()
                init_amqp_pool(&pool, 4_096)
                defer { empty_amqp_pool(&pool) }
                var decoded = amqp_table_t()
                var readOffset = 0
                let input = amqp_bytes_t(len: offset, bytes: raw.baseAddress)
                let status = amqp_decode_table(input, &pool, &decoded, &readOffset)
                guard status == 0 else { throw AMQPError.library(status, "decode table") }
                return WireDecoding.table(decoded)
            }
        }
    }
}
