/// Calendar arithmetic on whole days and the digits of dates, for the text forms of times
/// (PostgreSQL's timestamps, RFC 3339 in messages): integer arithmetic instead of a Calendar or
/// a formatter, which cost more than the rest of a statement's parameters.
///
/// Howard Hinnant's days-from-civil algorithms, proleptic Gregorian, day 0 = 1970-01-01.
public enum CivilDays {
    public static func civil(fromDays value: Int64) -> (year: Int64, month: Int64, day: Int64) {
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

    public static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The days in a month of a (proleptic Gregorian) year.
    public static func length(ofMonth month: Int64, in year: Int64) -> Int64 {
        days(fromCivil: month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) - days(fromCivil: year, month, 1)
    }

    public static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    /// `YYYY-MM-DD<separator>HH:MM:SS.<fraction>`, the time of day given in units of
    /// 1/`unitsPerSecond` since midnight and its fraction written with `fractionDigits` digits.
    public static func appendDateTime(year: Int64, month: Int64, day: Int64, separator: UInt8, timeOfDay: Int64,
                                      unitsPerSecond: Int64, fractionDigits: Int, to text: inout [UInt8]) {
        appendDigits(year, width: 4, to: &text)
        text.append(UInt8(ascii: "-"))
        appendDigits(month, width: 2, to: &text)
        text.append(UInt8(ascii: "-"))
        appendDigits(day, width: 2, to: &text)
        text.append(separator)
        appendTime(ofDay: timeOfDay / unitsPerSecond, to: &text)
        text.append(UInt8(ascii: "."))
        appendDigits(timeOfDay % unitsPerSecond, width: fractionDigits, to: &text)
    }

    /// `HH:MM:SS` of a second of the day.
    public static func appendTime(ofDay seconds: Int64, to text: inout [UInt8]) {
        appendDigits(seconds / 3600, width: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        appendDigits(seconds / 60 % 60, width: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        appendDigits(seconds % 60, width: 2, to: &text)
    }

    /// The decimal digits of a value that is not negative, zero-padded to at least `width`.
    public static func appendDigits(_ value: Int64, width: Int, to text: inout [UInt8]) {
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
}
