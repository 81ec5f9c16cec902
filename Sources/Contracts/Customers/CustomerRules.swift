import Fleet
import Foundation
import Synchronization

/// The rules of the customers context's data that publishers and the context share: how an
/// email is normalised, what a name, a phone number, a date of birth, a loyalty number and a
/// bcrypt hash look like. Pure functions, no I/O; every failure is a `ValidationError` naming the field.
public enum CustomerRules {
    // MARK: Email

    /// Longest address SMTP carries (RFC 5321: 254 characters in a path).
    public static let maximumEmailLength = 254

    /// The stored, compared form of an email: trimmed and lower-cased. Two addresses that differ
    /// only in case are one customer (mail providers treat the local part case-insensitively in
    /// practice, and people type their address in any case).
    public static func normalizedEmail(_ email: String) -> String {
        email.trimmingWhitespace().lowercased()
    }

    /// Checks an address after normalisation and returns the normalised form: one `@`, a local
    /// part of 1 to 64 characters, a domain with a dot and no empty label, no blanks or controls.
    /// Deliberately not the full RFC 5322 grammar (quoted local parts, IP literals): an address
    /// a mail server would accept but a person would not type is not worth a customer record.
    @discardableResult
    public static func checkEmail(_ email: String, field: String = "email") throws -> String {
        let normalized = normalizedEmail(email)
        guard !normalized.isEmpty else { throw ValidationError(field: field, "must not be empty") }
        guard normalized.count <= maximumEmailLength else {
            throw ValidationError(field: field, "must be at most \(maximumEmailLength) characters")
        }
        guard !normalized.unicodeScalars.contains(where: { $0.isWhitespace || $0.isControlCharacter }) else {
            throw ValidationError(field: field, "must not contain blanks or control characters")
        }
        let parts = normalized.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else {
            throw ValidationError(field: field, "must be an email address such as ana@example.com")
        }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }) else {
            throw ValidationError(field: field, "must be an email address such as ana@example.com (its domain is not valid)")
        }
        return normalized
    }

    // MARK: Names

    public static let maximumNameLength = 100

    /// A person's name as stored: trimmed; 1 to 100 characters after trimming, no control
    /// characters. Returns the trimmed form.
    @discardableResult
    public static func checkName(_ name: String, field: String) throws -> String {
        let trimmed = name.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw ValidationError(field: field, "must not be empty") }
        guard trimmed.count <= maximumNameLength else {
            throw ValidationError(field: field, "must be at most \(maximumNameLength) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: \.isControlCharacter) else {
            throw ValidationError(field: field, "must not contain control characters")
        }
        return trimmed
    }

    // MARK: Dates of birth

    /// The earliest date of birth accepted.
    public static let earliestDateOfBirth = "1900-01-01"

    /// The calendar day a date of birth is compared with: today where it is already latest on
    /// Earth (UTC+14), so a passenger born today anywhere is not refused as "in the future".
    ///
    /// Every passenger of every booking is checked against it several times on its way, so the
    /// day is worked out once and kept until it ends.
    public static func latestDateOfBirth(now: Date = Date()) -> String {
        if let known = latestDay.withLock({ $0 }), known.start <= now, now < known.end { return known.text }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 14 * 3600)!
        let parts = calendar.dateComponents([.year, .month, .day], from: now)
        let text = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        if let day = calendar.dateInterval(of: .day, for: now) {
            latestDay.withLock { $0 = (day.start, day.end, text) }
        }
        return text
    }

    private static let latestDay = Mutex<(start: Date, end: Date, text: String)?>(nil)

    /// A date of birth is `YYYY-MM-DD`, a real day of the Gregorian calendar, not before
    /// 1900-01-01 and not in the future.
    public static func checkDateOfBirth(_ text: String, field: String, now: Date = Date()) throws {
        let bytes = Array(text.utf8)
        let digitsAt = [0, 1, 2, 3, 5, 6, 8, 9]
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              digitsAt.allSatisfy({ bytes[$0] >= UInt8(ascii: "0") && bytes[$0] <= UInt8(ascii: "9") }),
              let year = Int(text.prefix(4)), let month = Int(text.dropFirst(5).prefix(2)), let day = Int(text.suffix(2))
        else {
            throw ValidationError(field: field, "must be a date written YYYY-MM-DD, such as 1984-03-07")
        }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else {
            throw ValidationError(field: field, "\(text) is not a day of the calendar")
        }
        // Fixed-width YYYY-MM-DD compares as text in calendar order.
        guard text >= earliestDateOfBirth else {
            throw ValidationError(field: field, "must not be before \(earliestDateOfBirth)")
        }
        guard text <= latestDateOfBirth(now: now) else {
            throw ValidationError(field: field, "must not be in the future")
        }
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // MARK: Loyalty numbers

    /// A frequent-flyer number: 1 to 32 letters and digits (the programme's prefix included).
    public static func checkLoyaltyNumber(_ text: String, field: String) throws {
        guard !text.isEmpty, text.count <= 32,
              text.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) })
        else {
            throw ValidationError(field: field, "must be 1 to 32 letters and digits")
        }
    }

    // MARK: Phone numbers

    /// A phone number in E.164, as SMS gateways take it: `+`, a country code that does not
    /// start with 0, then the number; 7 to 15 digits in all, no blanks or punctuation.
    public static func checkPhone(_ text: String, field: String = "phone") throws {
        let digits = text.utf8.dropFirst()
        guard text.utf8.first == UInt8(ascii: "+"), (7...15).contains(digits.count),
              digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), digits.first != UInt8(ascii: "0")
        else {
            throw ValidationError(field: field, "must be a phone number in E.164 form: + then the country code and number, 7 to 15 digits, no blanks, such as +4915123456789")
        }
    }

    // MARK: Password hashes

    /// A bcrypt hash in modular crypt form: `$2a$`, `$2b$` or `$2y$`, a two-digit cost from 04
    /// to 31, `$`, then 53 characters of bcrypt's base-64 alphabet (22 of salt, 31 of hash).
    /// The message never says what the value was: a hash is a secret too.
    public static func checkPasswordHash(_ hash: String, field: String = "passwordHash") throws {
        let bytes = Array(hash.utf8)
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        func isBase64(_ byte: UInt8) -> Bool {
            isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/")
        }
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
              [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]), bytes[3] == UInt8(ascii: "$"),
              isDigit(bytes[4]), isDigit(bytes[5]), bytes[6] == UInt8(ascii: "$"), bytes[7...].allSatisfy(isBase64)
        else {
            throw ValidationError(field: field, "must be a bcrypt hash ($2a$, $2b$ or $2y$, cost, 53 characters of salt and hash); hash the password before publishing, never send it")
        }
        let cost = Int(bytes[4] - UInt8(ascii: "0")) * 10 + Int(bytes[5] - UInt8(ascii: "0"))
        guard (4...31).contains(cost) else {
            throw ValidationError(field: field, "must have a bcrypt cost from 04 to 31")
        }
    }
}
