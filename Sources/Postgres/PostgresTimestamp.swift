import Foundation
import Identifiers

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
        let days = CivilDays.floorDivide(micros, microsPerDay)
        let (year, month, day) = CivilDays.civil(fromDays: days)
        // Year 0 is 1 BC in PostgreSQL's (and the Gregorian) reckoning.
        let era = year <= 0 ? " BC" : ""
        // Written byte by byte: every timestamp parameter of every statement goes through here.
        var text: [UInt8] = []
        text.reserveCapacity(36)
        CivilDays.appendDateTime(year: year <= 0 ? 1 - year : year, month: month, day: day, separator: UInt8(ascii: " "),
                                 timeOfDay: micros - days * microsPerDay, unitsPerSecond: microsPerSecond, fractionDigits: 6,
                                 to: &text)
        text.append(contentsOf: "+00\(era)".utf8)
        return String(decoding: text, as: UTF8.self)
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
        let days = CivilDays.days(fromCivil: astronomicalYear, month, day)
        let utcMicros = days * microsPerDay + micros - offsetSeconds * microsPerSecond
        // One division from an integer count keeps the microseconds exact in the Double.
        return Date(timeIntervalSinceReferenceDate: Double(utcMicros - referenceOffsetMicros) / 1_000_000)
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
