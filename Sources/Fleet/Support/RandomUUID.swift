import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension UUID {
    /// A random (version 4) UUID, drawn from the kernel's random source 4 KiB at a time.
    ///
    /// `UUID()` on Linux opens, reads and closes /dev/urandom for every id: three system calls
    /// for each message a handler emits. This reads once per 256 ids.
    public static func random() -> UUID {
        var bytes = RandomPool.shared.take16()
        bytes.6 = (bytes.6 & 0x0F) | 0x40 // version 4
        bytes.8 = (bytes.8 & 0x3F) | 0x80 // RFC 4122 variant
        return UUID(uuid: bytes)
    }
}

extension UUID {
    /// A time-ordered (version 7) UUID: the Unix time in milliseconds in its first 48 bits, the
    /// rest random. Ids made one after another sort next to each other, so a B-tree index on
    /// them (every inbox's primary key, a hold's, a payment's) grows at its right edge: a new row
    /// touches the index's last page instead of a random one, and after a checkpoint the
    /// write-ahead log gets one page image for many rows instead of one for each. Its 74 random
    /// bits keep ids from colliding and from being guessed.
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        var bytes = RandomPool.shared.take16()
        let milliseconds = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded(.down)))
        bytes.0 = UInt8(truncatingIfNeeded: milliseconds >> 40)
        bytes.1 = UInt8(truncatingIfNeeded: milliseconds >> 32)
        bytes.2 = UInt8(truncatingIfNeeded: milliseconds >> 24)
        bytes.3 = UInt8(truncatingIfNeeded: milliseconds >> 16)
        bytes.4 = UInt8(truncatingIfNeeded: milliseconds >> 8)
        bytes.5 = UInt8(truncatingIfNeeded: milliseconds)
        bytes.6 = (bytes.6 & 0x0F) | 0x70 // version 7
        bytes.8 = (bytes.8 & 0x3F) | 0x80 // RFC 9562 variant
        return UUID(uuid: bytes)
    }
}

/// Random bytes from /dev/urandom, a page at a time, handed out under a lock.
private final class RandomPool: @unchecked Sendable {
    static let shared = RandomPool()

    private let lock = NSLock()
    private var buffer = [UInt8](repeating: 0, count: 4_096)
    private var offset = 4_096

    func take16() -> uuid_t {
        lock.lock()
        defer { lock.unlock() }
        if offset + 16 > buffer.count { refill() }
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &value) { target in
            buffer.withUnsafeBytes { source in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + 16]))
            }
        }
        offset += 16
        return value
    }

    /// Kept open for the life of the process.
    private let source = open("/dev/urandom", O_RDONLY | O_CLOEXEC)

    private func refill() {
        buffer.withUnsafeMutableBytes { raw in
            var filled = 0
            while filled < raw.count {
                let count = source >= 0 ? read(source, raw.baseAddress! + filled, raw.count - filled) : -1
                if count > 0 {
                    filled += count
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    // Without /dev/urandom (a chroot without /dev), the standard library's source.
                    var generator = SystemRandomNumberGenerator()
                    for index in filled..<raw.count { raw[index] = generator.next() }
                    filled = raw.count
                }
            }
        }
        offset = 0
    }
}
