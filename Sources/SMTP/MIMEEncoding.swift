import Foundation
import Identifiers

/// The encodings a mail header and body need: RFC 2047 encoded words for non-ASCII header text,
/// quoted-printable for UTF-8 bodies, and the RFC 5322 date.
///
/// Every email goes through these, so they work on UTF-8 bytes: no Character, CharacterSet,
/// formatter or substring search per email.
public enum MIMEEncoding {
    /// `text` as it may stand in an unstructured header (Subject): unchanged if it is printable
    /// ASCII, otherwise one or more `=?UTF-8?B?…?=` words of at most 75 characters each, split
    /// only between characters so no word holds half a UTF-8 sequence.
    public static func headerText(_ text: String) -> String {
        let plain = text.utf8.allSatisfy { $0 < 0x80 && !isLineBreak($0) }
        return plain && !containsEncodedWordStart(text) ? text : encodedWords(text)
    }

    /// A display name as it may stand before `<address>`: plain if it is ASCII atoms and spaces,
    /// quoted if it holds specials, encoded words if it is not ASCII.
    public static func phrase(_ name: String) -> String {
        guard name.utf8.allSatisfy({ $0 < 0x80 }), !containsEncodedWordStart(name) else { return encodedWords(name) }
        if name.utf8.allSatisfy(isAtomOrSpace) { return name }
        var quoted: [UInt8] = [UInt8(ascii: "\"")]
        for byte in name.utf8 {
            if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { quoted.append(UInt8(ascii: "\\")) }
            quoted.append(byte)
        }
        quoted.append(UInt8(ascii: "\""))
        return String(decoding: quoted, as: UTF8.self)
    }

    /// `=?UTF-8?B?…?=` words separated by folding whitespace (CRLF + space).
    static func encodedWords(_ text: String) -> String {
        // 75 - "=?UTF-8?B?".count - "?=".count = 63 base64 characters, so 45 bytes of text.
        let maximumBytes = 45
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = character.utf8
            if chunk.count + bytes.count > maximumBytes, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk.removeAll(keepingCapacity: true)
            }
            chunk.append(contentsOf: bytes)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    /// A body as quoted-printable (RFC 2045) with CRLF line ends and soft breaks before 76 characters.
    public static func quotedPrintable(_ text: String) -> String {
        var encoded: [UInt8] = []
        appendQuotedPrintable(text, to: &encoded)
        return String(decoding: encoded, as: UTF8.self)
    }

    /// `quotedPrintable(text)`, written at the end of `encoded`.
    static func appendQuotedPrintable(_ text: String, to encoded: inout [UInt8]) {
        let hex: StaticString = "0123456789ABCDEF"
        var text = text
        text.withUTF8 { bytes in
            encoded.reserveCapacity(encoded.count + bytes.count + bytes.count / 8)
            var length = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                // CRLF, CR and LF all end a line.
                if byte == 0x0D || byte == 0x0A {
                    encoded.append(0x0D)
                    encoded.append(0x0A)
                    length = 0
                    index += byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
                    continue
                }
                let endsLine = index + 1 == bytes.count || bytes[index + 1] == 0x0D || bytes[index + 1] == 0x0A
                // Space and tab survive unless they end the line, where transports strip them.
                let literal = (0x21...0x3C).contains(byte) || (0x3E...0x7E).contains(byte) || ((byte == 0x20 || byte == 0x09) && !endsLine)
                let width = literal ? 1 : 3
                if length + width > 75 {
                    encoded.append(0x3D)
                    encoded.append(0x0D)
                    encoded.append(0x0A)
                    length = 0
                }
                if literal {
                    encoded.append(byte)
                } else {
                    encoded.append(0x3D)
                    encoded.append(hex.utf8Start[Int(byte >> 4)])
                    encoded.append(hex.utf8Start[Int(byte & 0x0F)])
                }
                length += width
                index += 1
            }
        }
    }

    /// `Mon, 23 Nov 2026 04:00:00 +0000`: always in UTC, with English day and month names.
    public static func date(_ date: Date) -> String {
        // To the millisecond first, so a time a hair below a whole second (a sum of fractions) shows that second.
        let seconds = Int64(((date.timeIntervalSince1970 * 1000).rounded() / 1000).rounded(.down))
        let days = CivilDays.floorDivide(seconds, 86_400)
        let (year, month, day) = CivilDays.civil(fromDays: days)
        // 1970-01-01 was a Thursday.
        var text = Array(weekdays[Int((days % 7 + 7 + 4) % 7)].utf8)
        text.append(contentsOf: ", ".utf8)
        CivilDays.appendDigits(day, width: 2, to: &text)
        text.append(UInt8(ascii: " "))
        text.append(contentsOf: months[Int(month) - 1].utf8)
        text.append(UInt8(ascii: " "))
        CivilDays.appendDigits(year, width: 4, to: &text)
        text.append(UInt8(ascii: " "))
        CivilDays.appendTime(ofDay: seconds - days * 86_400, to: &text)
        text.append(contentsOf: " +0000".utf8)
        return String(decoding: text, as: UTF8.self)
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// LF, VT, FF and CR: the ASCII characters Swift counts as line breaks.
    static func isLineBreak(_ byte: UInt8) -> Bool { (0x0A...0x0D).contains(byte) }

    /// Whether `text` holds a line break, Unicode's own (NEL, LS, PS) included.
    static func containsLineBreak(_ text: String) -> Bool {
        if text.utf8.contains(where: isLineBreak) { return true }
        return text.utf8.contains { $0 >= 0x80 } && text.contains(where: \.isNewline)
    }

    /// Whether `=?` occurs, which a reader would take for the start of an encoded word.
    private static func containsEncodedWordStart(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if previous == UInt8(ascii: "="), byte == UInt8(ascii: "?") { return true }
            previous = byte
        }
        return false
    }

    /// RFC 5322 atext, and the space between words.
    private static func isAtomOrSpace(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-/=?^_`{|}~ ".utf8.contains(byte)
        }
    }
}
