import Foundation

/// Date ⇄ timestamptz with microsecond precision both ways, by integer calendar arithmetic:
/// DateFormatter is slow, keeps only milliseconds, and its shared instances are not thread-safe.
extension Date: PostgresEncodable, PostgresDecodable {
    /// `2026-11-23 04:00:00.123456+00`, rounded to the microsecond PostgreSQL keeps.
    public var postgresText: String { PostgresTimestamp.format(self) }
    public static var postgresType: UInt32 { PostgresOID.timestamptz }

    /// Reads PostgreSQL's ISO output (`2026-11-23 04:00:00.123456+00`, `… +05:30`, `… BC`),
    /// a timestamp without time zone (taken as UTC), a date (midnight UTC), and ±infinity.
    public init(postgresText: String) throws {
        guard let date = PostgresTimestamp.parse(postgresText) else {
            throw PostgresDecodingError(Date.self, text: postgresText, reason: "not an ISO timestamp (set DateStyle to ISO)")
        }
        self = date
    }
}

enum PostgresTimestamp {
    static let microsPerSecond: Int64 = 1_000_000
    static let microsPerDay: Int64 = 86_400_000_000
    /// Seconds from 1970-01-01 to 2001-01-01, Foundation's reference date.
    static let referenceOffsetMicros: Int64 = 978_307_200_000_000

    static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSinceReferenceDate
        if seconds.isInfinite { return seconds > 0 ? "infinity" : "-infinity" }
        // Past ±290,000 years Int64 microseconds overflow (PostgreSQL stops at 294276 AD anyway):
        // send text the server rejects loudly rather than a wrong instant.
        guard seconds.isFinite, abs(seconds) < 9.0e12 else { return "invalid Date (\(seconds) s since 2001)" }
        let micros = Int64((seconds * 1_000_000).rounded()) + referenceOffsetMicros
        let days = floorDivide(micros, microsPerDay)
        var inDay = micros - days * microsPerDay
        let (year, month, day) = civil(fromDays: days)
        let hour = inDay / 3_600_000_000
        inDay -= hour * 3_600_000_000
        let minute = inDay / 60_000_000
        inDay -= minute * 60_000_000
        let second = inDay / microsPerSecond
        let fraction = inDay - second * microsPerSecond
        // Year 0 is 1 BC in PostgreSQL's (and the Gregorian) reckoning.
        let era = year <= 0 ? " BC" : ""
        let shownYear = year <= 0 ? 1 - year : year
        // Written byte by byte: every timestamp parameter of every statement goes through here.
        var text: [UInt8] = []
        text.reserveCapacity(36)
        append(shownYear, width: 4, to: &text)
        text.append(UInt8(ascii: "-"))
        append(month, width: 2, to: &text)
        text.append(UInt8(ascii: "-"))
        append(day, width: 2, to: &text)
        text.append(UInt8(ascii: " "))
        append(hour, width: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        append(minute, width: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        append(second, width: 2, to: &text)
        text.append(UInt8(ascii: "."))
        append(fraction, width: 6, to: &text)
        text.append(contentsOf: "+00\(era)".utf8)
        return String(decoding: text, as: UTF8.self)
    }

    /// The decimal digits of a value that is not negative, zero-padded to at least `width`.
    static func append(_ value: Int64, width: Int, to text: inout [UInt8]) {
        var digits = 1, rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        text.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(width, digits)))
        var position = text.count - 1, remaining = value
        for _ in 0..<digits {
            text[position] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
            position -= 1
        }
    }

    static func parse(_ text: String) -> Date? {
        switch text {
        case "infinity": return Date(timeIntervalSinceReferenceDate: .infinity)
        case "-infinity": return Date(timeIntervalSinceReferenceDate: -.infinity)
        default: break
        }
        var scanner = Scanner(Array(text.utf8))
        guard let year = scanner.number(), scanner.take("-"),
              let month = scanner.number(digits: 2), scanner.take("-"),
              let day = scanner.number(digits: 2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var micros: Int64 = 0
        var offsetSeconds: Int64 = 0
        if !scanner.looking(at: " BC"), scanner.take(" ") || scanner.take("T") {
            guard let hour = scanner.number(digits: 2), scanner.take(":"),
                  let minute = scanner.number(digits: 2), scanner.take(":"),
                  let second = scanner.number(digits: 2),
                  hour <= 24, minute < 60, second < 61 else { return nil }
            micros = ((hour * 60 + minute) * 60 + second) * microsPerSecond
            if scanner.take(".") {
                // PostgreSQL prints at most six digits; more would only come from hand-written text.
                var scale: Int64 = 100_000
                guard scanner.peekDigit else { return nil }
                while let digit = scanner.digit() {
                    micros += digit * scale
                    scale /= 10
                }
            }
            if scanner.take("Z") {
                offsetSeconds = 0
            } else if let sign = scanner.sign() {
                guard let hours = scanner.number(digits: 2) else { return nil }
                var offset = hours * 3600
                if scanner.take(":") {
                    guard let minutes = scanner.number(digits: 2) else { return nil }
                    offset += minutes * 60
                    if scanner.take(":") {
                        guard let seconds = scanner.number(digits: 2) else { return nil }
                        offset += seconds
                    }
                }
                offsetSeconds = sign * offset
            }
        }
        var astronomicalYear = year
        if scanner.take(" BC") { astronomicalYear = 1 - year }
        guard scanner.atEnd else { return nil }
        let days = days(fromCivil: astronomicalYear, month, day)
        let utcMicros = days * microsPerDay + micros - offsetSeconds * microsPerSecond
        // One division from an integer count keeps the microseconds exact in the Double.
        return Date(timeIntervalSinceReferenceDate: Double(utcMicros - referenceOffsetMicros) / 1_000_000)
    }

    // Howard Hinnant's days-from-civil algorithms (proleptic Gregorian, day 0 = 1970-01-01).

    static func civil(fromDays value: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = value + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    /// A cursor over ASCII bytes, enough for the fixed shape of PostgreSQL's ISO output.
    struct Scanner {
        let bytes: [UInt8]
        var index = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }
        var peekDigit: Bool { index < bytes.count && (48...57).contains(bytes[index]) }

        func looking(at literal: String) -> Bool {
            let expected = Array(literal.utf8)
            return bytes.count - index >= expected.count && Array(bytes[index..<index + expected.count]) == expected
        }

        mutating func take(_ literal: String) -> Bool {
            guard looking(at: literal) else { return false }
            index += literal.utf8.count
            return true
        }

        mutating func digit() -> Int64? {
            guard peekDigit else { return nil }
            defer { index += 1 }
            return Int64(bytes[index] - 48)
        }

        /// Exactly `digits` digits, or (when nil) one to nine.
        mutating func number(digits: Int? = nil) -> Int64? {
            let start = index
            var value: Int64 = 0
            while let digit = digit() {
                value = value * 10 + digit
                if index - start == (digits ?? 9) { break }
            }
            let count = index - start
            guard count > 0, digits == nil || count == digits else { index = start; return nil }
            return value
        }

        mutating func sign() -> Int64? {
            if take("+") { return 1 }
            if take("-") { return -1 }
            return nil
        }
    }
}
