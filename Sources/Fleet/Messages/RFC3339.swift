import Foundation
import Identifiers

/// The times in messages: `2026-11-23T04:00:00.123Z` written, RFC 3339 read. Every envelope
/// carries one and most payloads more, so the usual shapes go by integer arithmetic
/// (`CivilDays`); `Date.ISO8601FormatStyle`, which made a Calendar's worth of work of each,
/// still handles the rest: years before 1583 (where it turns Julian) or after 9999, leap
/// seconds, impossible days.
enum RFC3339 {
    static let fastYears: ClosedRange<Int64> = 1583...9999

    /// UTC with milliseconds, rounded to the nearest one.
    static func format(_ date: Date) -> String {
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        guard millis.isFinite, abs(millis) < 3e14 else { return slowFormat(date) }
        let days = CivilDays.floorDivide(Int64(millis), 86_400_000)
        let inDay = Int64(millis) - days * 86_400_000
        let (year, month, day) = CivilDays.civil(fromDays: days)
        guard fastYears.contains(year) else { return slowFormat(date) }
        var text: [UInt8] = []
        text.reserveCapacity(24)
        CivilDays.appendDateTime(year: year, month: month, day: day, separator: UInt8(ascii: "T"), timeOfDay: inDay,
                                 unitsPerSecond: 1000, fractionDigits: 3, to: &text)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// RFC 3339 with or without fractional seconds, in any offset; nil for anything else.
    static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8(fastParse) ?? slowParse(text)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, or nil to leave it to `slowParse`.
    private static func fastParse(_ bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        var position = 0
        func number(_ digits: Int) -> Int64? {
            guard position + digits <= bytes.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<digits {
                let byte = bytes[position]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
                position += 1
            }
            return value
        }
        func take(_ byte: UInt8...) -> Bool {
            guard position < bytes.count, byte.contains(bytes[position]) else { return false }
            position += 1
            return true
        }
        guard let year = number(4), fastYears.contains(year), take(UInt8(ascii: "-")),
              let month = number(2), (1...12).contains(month), take(UInt8(ascii: "-")),
              let day = number(2), day >= 1, day <= CivilDays.length(ofMonth: month, in: year),
              take(UInt8(ascii: "T"), UInt8(ascii: "t")),
              let hour = number(2), hour < 24, take(UInt8(ascii: ":")),
              let minute = number(2), minute < 60, take(UInt8(ascii: ":")),
              let second = number(2), second < 60 else { return nil }
        var nanos: Int64 = 0
        if take(UInt8(ascii: ".")) {
            var scale: Int64 = 100_000_000, digits = 0
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                nanos += Int64(bytes[position] - UInt8(ascii: "0")) * scale
                scale /= 10
                digits += 1
                position += 1
            }
            guard (1...9).contains(digits) else { return nil }
        }
        var offset: Int64 = 0
        if !take(UInt8(ascii: "Z"), UInt8(ascii: "z")) {
            let negative = position < bytes.count && bytes[position] == UInt8(ascii: "-")
            guard take(UInt8(ascii: "+"), UInt8(ascii: "-")), let hours = number(2), hours < 24, take(UInt8(ascii: ":")),
                  let minutes = number(2), minutes < 60 else { return nil }
            offset = (hours * 60 + minutes) * 60 * (negative ? -1 : 1)
        }
        guard position == bytes.count else { return nil }
        let seconds = CivilDays.days(fromCivil: year, month, day) * 86_400 + (hour * 60 + minute) * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1_000_000_000)
    }

    private static func slowFormat(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    private static func slowParse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
