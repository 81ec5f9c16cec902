import Foundation

/// The encodings a mail header and body need: RFC 2047 encoded words for non-ASCII header text,
/// quoted-printable for UTF-8 bodies, and the RFC 5322 date.
public enum MIMEEncoding {
    /// `text` as it may stand in an unstructured header (Subject): unchanged if it is printable
    /// ASCII, otherwise one or more `=?UTF-8?B?…?=` words of at most 75 characters each, split
    /// only between characters so no word holds half a UTF-8 sequence.
    public static func headerText(_ text: String) -> String {
        if text.allSatisfy({ $0.isASCII && !$0.isNewline }) && !text.contains("=?") { return text }
        return encodedWords(text)
    }

    /// A display name as it may stand before `<address>`: plain if it is ASCII atoms and spaces,
    /// quoted if it holds specials, encoded words if it is not ASCII.
    public static func phrase(_ name: String) -> String {
        let atom = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "!#$%&'*+-/=?^_`{|}~ "))
        if name.allSatisfy(\.isASCII) && !name.contains("=?") {
            if name.unicodeScalars.allSatisfy(atom.contains) { return name }
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        }
        return encodedWords(name)
    }

    /// `=?UTF-8?B?…?=` words separated by folding whitespace (CRLF + space).
    static func encodedWords(_ text: String) -> String {
        // 75 - "=?UTF-8?B?".count - "?=".count = 63 base64 characters, so 45 bytes of text.
        let maximumBytes = 45
        var words: [String] = []
        var chunk = Data()
        for character in text {
            let bytes = Data(String(character).utf8)
            if chunk.count + bytes.count > maximumBytes, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// A body as quoted-printable (RFC 2045) with CRLF line ends and soft breaks before 76 characters.
    public static func quotedPrintable(_ text: String) -> String {
        // Byte by byte into one buffer: a body is encoded for every email, so no String per byte.
        let hex = Array("0123456789ABCDEF".utf8)
        let bytes = Array(text.utf8)
        var encoded: [UInt8] = []
        encoded.reserveCapacity(bytes.count + bytes.count / 8)
        var length = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            // CRLF, CR and LF all end a line.
            if byte == 0x0D || byte == 0x0A {
                encoded += [0x0D, 0x0A]
                length = 0
                index += byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
                continue
            }
            let endsLine = index + 1 == bytes.count || bytes[index + 1] == 0x0D || bytes[index + 1] == 0x0A
            // Space and tab survive unless they end the line, where transports strip them.
            let literal = (0x21...0x3C).contains(byte) || (0x3E...0x7E).contains(byte) || ((byte == 0x20 || byte == 0x09) && !endsLine)
            let width = literal ? 1 : 3
            if length + width > 75 {
                encoded += [0x3D, 0x0D, 0x0A]
                length = 0
            }
            if literal {
                encoded.append(byte)
            } else {
                encoded += [0x3D, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
            length += width
            index += 1
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// `Mon, 23 Nov 2026 04:00:00 +0000`.
    public static func date(_ date: Date) -> String {
        dateFormatter.withLock { $0.string(from: date) }
    }

    /// Made once: a DateFormatter costs far more to build than to use. Not safe for concurrent
    /// use, hence the lock.
    private static let dateFormatter: LockedFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return LockedFormatter(formatter)
    }()
}

/// A formatter shared by threads, used one at a time.
final class LockedFormatter: @unchecked Sendable {
    private let lock = NSLock()
    private let formatter: DateFormatter

    init(_ formatter: DateFormatter) { self.formatter = formatter }

    func withLock<T>(_ body: (DateFormatter) -> T) -> T {
        lock.withLock { body(formatter) }
    }
}
