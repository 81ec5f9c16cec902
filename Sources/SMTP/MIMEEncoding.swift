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
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var lines: [String] = []
        for line in normalised.split(separator: "\n", omittingEmptySubsequences: false) {
            var encoded = ""
            var length = 0
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                let token: String
                switch byte {
                case 0x21...0x3C, 0x3E...0x7E: token = String(UnicodeScalar(byte))
                // Space and tab survive unless they end the line, where transports strip them.
                case 0x20 where !isLast, 0x09 where !isLast: token = String(UnicodeScalar(byte))
                default: token = String(format: "=%02X", byte)
                }
                if length + token.count > 75 {
                    encoded += "=\r\n"
                    length = 0
                }
                encoded += token
                length += token.count
            }
            lines.append(encoded)
        }
        return lines.joined(separator: "\r\n")
    }

    /// `Mon, 23 Nov 2026 04:00:00 +0000`.
    public static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
