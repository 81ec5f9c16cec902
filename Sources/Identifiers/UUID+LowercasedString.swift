import Foundation

extension UUID {
    /// The lowercase text form ids take on the wire and in the database
    /// (`0b6c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e`), written straight from the bytes: `uuidString`
    /// formats through the C library and `lowercased()` then copies it again, on every id of
    /// every message and statement.
    public var lowercasedString: String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { text in
                var position = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    text[position] = Self.hexDigits[Int(byte >> 4)]
                    text[position + 1] = Self.hexDigits[Int(byte & 0x0F)]
                    position += 2
                }
                return position
            }
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
