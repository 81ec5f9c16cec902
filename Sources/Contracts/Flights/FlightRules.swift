import Fleet
import Foundation

/// The cabins of an aircraft, front to back. The raw value is the wire name.
extension Cabin: Comparable {
    public static func < (lhs: Cabin, rhs: Cabin) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The format rules every Flights message shares, so commands, queries and the HTTP ingress
/// (which runs the same `validate()`) refuse a bad field with the same words.
public enum FlightRules {
    /// IATA airport codes are three capital letters.
    public static func airport(_ code: String, field: String) throws {
        guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw ValidationError(field: field, "must be a 3-letter IATA airport code in capitals, such as JFK")
        }
    }

    /// Airline designator (2 letters/digits) and 1–4 digits, optionally a suffix letter: BA117, U21234.
    public static func flightNumber(_ number: String, field: String = "number") throws {
        let chars = Array(number)
        let ok = (3...7).contains(chars.count)
            && chars.prefix(2).allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
            && chars.prefix(2).contains { $0.isLetter }
            && {
                var digits = chars.dropFirst(2)
                if let last = digits.last, last.isLetter, last.isUppercase, last.isASCII { digits = digits.dropLast() }
                return (1...4).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
            }()
        guard ok else { throw ValidationError(field: field, "must be an airline code and 1 to 4 digits, such as BA117") }
    }

    /// ISO 4217 codes are three capital letters.
    public static func currency(_ code: String, field: String = "currency") throws {
        guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw ValidationError(field: field, "must be a 3-letter ISO 4217 currency code, such as EUR")
        }
    }

    /// Base fares by cabin wire name, in minor units of the flight's currency.
    public static func fares(_ fares: [String: Int], field: String = "fares") throws {
        guard !fares.isEmpty else { throw ValidationError(field: field, "must name at least one cabin") }
        for (cabin, amount) in fares.sorted(by: { $0.key < $1.key }) {
            guard Cabin(rawValue: cabin) != nil else {
                throw ValidationError(field: "\(field).\(cabin)", "is not a cabin (first, business, premium-economy, economy)")
            }
            guard amount > 0 else { throw ValidationError(field: "\(field).\(cabin)", "must be a positive amount in minor units") }
            guard amount <= 100_000_000 else { throw ValidationError(field: "\(field).\(cabin)", "must be at most 100000000") }
        }
    }

    /// A flight lands after it leaves and flies at most a day.
    public static func times(departure: Date, arrival: Date, departureField: String = "departure",
                             arrivalField: String = "arrival") throws {
        guard arrival > departure else { throw ValidationError(field: arrivalField, "must be after \(departureField)") }
        guard arrival.timeIntervalSince(departure) <= 24 * 3600 else {
            throw ValidationError(field: arrivalField, "must be within 24 hours of \(departureField)")
        }
    }

    public static func notInPast(_ date: Date, field: String, now: Date = Date()) throws {
        guard date > now else { throw ValidationError(field: field, "must be in the future") }
    }

    /// Gates are short labels such as B22 or 101.
    public static func gate(_ gate: String, field: String = "gate") throws {
        guard (1...8).contains(gate.count), gate.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) else {
            throw ValidationError(field: field, "must be 1 to 8 capital letters or digits, such as B22")
        }
    }

    public static func reason(_ reason: String?, field: String = "reason") throws {
        if let reason, reason.count > 500 { throw ValidationError(field: field, "must be at most 500 characters") }
    }

    /// A calendar date `YYYY-MM-DD` that exists.
    public static func localDate(_ text: String, field: String) throws -> (year: Int, month: Int, day: Int) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else {
            throw ValidationError(field: field, "must be a date YYYY-MM-DD")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let components = DateComponents(year: year, month: month, day: day)
        guard components.isValidDate(in: calendar) else { throw ValidationError(field: field, "is not a date of the calendar") }
        return (year, month, day)
    }
}
