import CRabbitMQ
import Foundation

/// Copies what rabbitmq-c decoded into Swift values. Decoded frames point into the library's
/// channel pools, which are recycled after each frame, so everything is copied at once.
enum WireDecoding {
    static func string(_ bytes: amqp_bytes_t) -> String {
        guard let start = bytes.bytes, bytes.len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: start, count: bytes.len), as: UTF8.self)
    }

    static func byteArray(_ bytes: amqp_bytes_t) -> [UInt8] {
        guard let start = bytes.bytes, bytes.len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: start, count: bytes.len))
    }

    static func data(_ bytes: amqp_bytes_t) -> Data {
        guard let start = bytes.bytes, bytes.len > 0 else { return Data() }
        return Data(bytes: start, count: bytes.len)
    }

    static func table(_ table: amqp_table_t) -> AMQPTable {
        guard let entries = table.entries, table.num_entries > 0 else { return [:] }
        var result = AMQPTable(minimumCapacity: Int(table.num_entries))
        for entry in UnsafeBufferPointer(start: entries, count: Int(table.num_entries)) {
            result[string(entry.key)] = fieldValue(entry.value)
        }
        return result
    }

    static func fieldValue(_ field: amqp_field_value_t) -> AMQPFieldValue {
        let value = field.value
        switch field.kind {
        case FieldKind.boolean: return .bool(value.boolean != 0)
        case FieldKind.i8: return .int(Int64(value.i8))
        case FieldKind.u8: return .int(Int64(value.u8))
        case FieldKind.i16: return .int(Int64(value.i16))
        case FieldKind.u16: return .int(Int64(value.u16))
        case FieldKind.i32: return .int(Int64(value.i32))
        case FieldKind.u32: return .int(Int64(value.u32))
        case FieldKind.i64: return .int(value.i64)
        case FieldKind.u64:
            // Only a u64 above Int64.max cannot be an .int; a double keeps its magnitude.
            return Int64(exactly: value.u64).map { .int($0) } ?? .double(Double(value.u64))
        case FieldKind.f32: return .double(Double(value.f32))
        case FieldKind.f64: return .double(value.f64)
        case FieldKind.decimal:
            return .double(Double(value.decimal.value) / pow(10, Double(value.decimal.decimals)))
        case FieldKind.utf8:
            let raw = byteArray(value.bytes)
            return String(validating: raw, as: UTF8.self).map { .string($0) } ?? .bytes(raw)
        case FieldKind.bytes: return .bytes(byteArray(value.bytes))
        case FieldKind.timestamp: return .timestamp(WireTime.date(value.u64))
        case FieldKind.table: return .table(table(value.table))
        case FieldKind.array:
            guard let entries = value.array.entries, value.array.num_entries > 0 else { return .array([]) }
            return .array(UnsafeBufferPointer(start: entries, count: Int(value.array.num_entries)).map(fieldValue))
        default:
            // Void, and any kind a future library might add: there is nothing to keep.
            return .void
        }
    }
}
