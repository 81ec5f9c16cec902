import CRabbitMQ
import Foundation

/// Memory for one call into rabbitmq-c. Every string, table and byte buffer handed to C is
/// copied into an `amqp_pool_t` that lives until the closure given to `with` returns, so nothing
/// dangles the way `amqp_cstring_bytes(swiftString)` does after its statement.
final class WireArena {
    private let pool: UnsafeMutablePointer<amqp_pool_t>

    private init() {
        pool = .allocate(capacity: 1)
        init_amqp_pool(pool, 4_096)
    }

    deinit {
        empty_amqp_pool(pool)
        pool.deallocate()
    }

    /// Runs `body` with a fresh arena and frees all its memory afterwards. The arena is kept
    /// alive for the whole closure explicitly: Swift may otherwise end a class's lifetime at its
    /// last Swift use, before the C call that reads the memory.
    static func with<Result>(_ body: (WireArena) throws -> Result) rethrows -> Result {
        let arena = WireArena()
        return try withExtendedLifetime(arena) { try body(arena) }
    }

    func allocate<Element>(_ type: Element.Type, count: Int) -> UnsafeMutablePointer<Element> {
        precondition(count > 0, "allocate at least one element")
        // amqp_pool_alloc rounds every block to 8 bytes, which covers the alignment of all
        // rabbitmq-c structs.
        guard let raw = amqp_pool_alloc(pool, MemoryLayout<Element>.stride * count) else {
            fatalError("amqp_pool_alloc failed: out of memory")
        }
        return raw.bindMemory(to: Element.self, capacity: count)
    }

    func bytes(_ string: String) -> amqp_bytes_t {
        var copy = string
        return copy.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    func bytes(_ buffer: [UInt8]) -> amqp_bytes_t {
        buffer.withUnsafeBytes { bytes($0) }
    }

    func bytes(_ raw: UnsafeRawBufferPointer) -> amqp_bytes_t {
        guard let source = raw.baseAddress, raw.count > 0 else { return amqp_bytes_t(len: 0, bytes: nil) }
        guard let target = amqp_pool_alloc(pool, raw.count) else { fatalError("amqp_pool_alloc failed: out of memory") }
        target.copyMemory(from: source, byteCount: raw.count)
        return amqp_bytes_t(len: raw.count, bytes: target)
    }

    /// A NUL-terminated copy, for the C functions that take `const char *`.
    func cString(_ string: String) -> UnsafePointer<CChar> {
        let utf8 = Array(string.utf8)
        let target = allocate(CChar.self, count: utf8.count + 1)
        for (index, byte) in utf8.enumerated() { target[index] = CChar(bitPattern: byte) }
        target[utf8.count] = 0
        return UnsafePointer(target)
    }

    func table(_ table: AMQPTable) -> amqp_table_t {
        guard !table.isEmpty else { return amqp_table_t(num_entries: 0, entries: nil) }
        let entries = allocate(amqp_table_entry_t.self, count: table.count)
        // Sorted so that the same table always encodes to the same bytes.
        for (index, key) in table.keys.sorted().enumerated() {
            (entries + index).initialize(to: amqp_table_entry_t(key: bytes(key), value: fieldValue(table[key]!)))
        }
        return amqp_table_t(num_entries: Int32(table.count), entries: entries)
    }

    func fieldValue(_ value: AMQPFieldValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        switch value {
        case .bool(let flag):
            field.kind = FieldKind.boolean
            field.value.boolean = flag ? 1 : 0
        case .int(let number):
            field.kind = FieldKind.i64
            field.value.i64 = number
        case .double(let number):
            field.kind = FieldKind.f64
            field.value.f64 = number
        case .string(let text):
            field.kind = FieldKind.utf8
            field.value.bytes = bytes(text)
        case .bytes(let raw):
            field.kind = FieldKind.bytes
            field.value.bytes = bytes(raw)
        case .timestamp(let date):
            field.kind = FieldKind.timestamp
            field.value.u64 = WireTime.seconds(date)
        case .table(let nested):
            field.kind = FieldKind.table
            field.value.table = table(nested)
        case .array(let elements):
            field.kind = FieldKind.array
            field.value.array = array(elements)
        case .void:
            field.kind = FieldKind.void
        }
        return field
    }

    private func array(_ elements: [AMQPFieldValue]) -> amqp_array_t {
        guard !elements.isEmpty else { return amqp_array_t(num_entries: 0, entries: nil) }
        let entries = allocate(amqp_field_value_t.self, count: elements.count)
        for (index, element) in elements.enumerated() {
            (entries + index).initialize(to: fieldValue(element))
        }
        return amqp_array_t(num_entries: Int32(elements.count), entries: entries)
    }
}

/// rabbitmq-c's field kinds as the `uint8_t` its structs store.
enum FieldKind {
    static let boolean = code(AMQP_FIELD_KIND_BOOLEAN)
    static let i8 = code(AMQP_FIELD_KIND_I8)
    static let u8 = code(AMQP_FIELD_KIND_U8)
    static let i16 = code(AMQP_FIELD_KIND_I16)
    static let u16 = code(AMQP_FIELD_KIND_U16)
    static let i32 = code(AMQP_FIELD_KIND_I32)
    static let u32 = code(AMQP_FIELD_KIND_U32)
    static let i64 = code(AMQP_FIELD_KIND_I64)
    static let u64 = code(AMQP_FIELD_KIND_U64)
    static let f32 = code(AMQP_FIELD_KIND_F32)
    static let f64 = code(AMQP_FIELD_KIND_F64)
    static let decimal = code(AMQP_FIELD_KIND_DECIMAL)
    static let utf8 = code(AMQP_FIELD_KIND_UTF8)
    static let array = code(AMQP_FIELD_KIND_ARRAY)
    static let timestamp = code(AMQP_FIELD_KIND_TIMESTAMP)
    static let table = code(AMQP_FIELD_KIND_TABLE)
    static let void = code(AMQP_FIELD_KIND_VOID)
    static let bytes = code(AMQP_FIELD_KIND_BYTES)

    private static func code(_ kind: amqp_field_value_kind_t) -> UInt8 { UInt8(kind.rawValue) }
}

/// AMQP timestamps are whole seconds since 1970 as an unsigned 64-bit number.
enum WireTime {
    static func seconds(_ date: Date) -> UInt64 {
        UInt64(max(0, date.timeIntervalSince1970.rounded(.down)))
    }

    static func date(_ seconds: UInt64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}
