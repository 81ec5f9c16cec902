/// Lowercase hexadecimal text of bytes, written straight into the string: `String(format:)` per
/// byte goes through the C library's formatter, which cost more than the hash it printed.
extension Sequence<UInt8> {
    public var lowercaseHex: String {
        let bytes = Array(self)
        return String(unsafeUninitializedCapacity: bytes.count * 2) { text in
            for (index, byte) in bytes.enumerated() {
                text[2 * index] = hexDigits[Int(byte >> 4)]
                text[2 * index + 1] = hexDigits[Int(byte & 0x0F)]
            }
            return bytes.count * 2
        }
    }
}

let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
