import Foundation

/// How times and money read in an email: local to the airport, with its zone named.
public enum EmailFormatting {
    /// `Mon 23 Nov 2026, 14:05 (GMT+1, Europe/Paris)`; UTC when the zone is unknown.
    public static func localTime(_ date: Date, timeZone identifier: String?) -> String {
        LocalTimeFormatters.shared.formatter(for: identifier).localTime(date)
    }

    /// `EUR 1,234.50` from minor units.
    public static func money(_ minorUnits: Int, currency: String?) -> String {
        let sign = minorUnits < 0 ? "-" : ""
        let value = minorUnits.magnitude
        let whole = String(value / 100)
        var grouped = ""
        for (index, digit) in whole.enumerated() {
            if index > 0, (whole.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        let cents = value % 100
        let amount = "\(sign)\(grouped).\(cents < 10 ? "0" : "")\(cents)"
        guard let currency, !currency.isEmpty else { return amount }
        return "\(currency) \(amount)"
    }
}

/// One DateFormatter per time zone, made on first use: building one costs far more than
/// formatting with it, and every email formats two times. What it formatted is kept, since the
/// emails of one flight show the same times again and again.
private final class LocalTimeFormatters: @unchecked Sendable {
    static let shared = LocalTimeFormatters()

    final class Formatter {
        let zone: TimeZone
        /// The zone as the email names it: its identifier, or UTC for an unknown one.
        let name: String
        private let formatter: DateFormatter
        private let lock = NSLock()

        init(identifier: String?) {
            let known = identifier.flatMap(TimeZone.init(identifier:))
            zone = known ?? TimeZone(secondsFromGMT: 0)!
            name = known == nil ? "UTC" : identifier!
            formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_GB")
            formatter.timeZone = zone
            formatter.dateFormat = "EEE d MMM yyyy, HH:mm"
        }

        /// Enough for the departures and arrivals of the flights being booked at a time.
        private static let remembered = 4_096
        private var formatted: [Date: String] = [:]

        func localTime(_ date: Date) -> String {
            lock.withLock {
                if let known = formatted[date] { return known }
                let offset = zone.secondsFromGMT(for: date)
                let hours = offset / 3600, minutes = abs(offset % 3600) / 60
                let gmt = offset == 0 ? "GMT" : String(format: "GMT%+d%@", hours, minutes == 0 ? "" : String(format: ":%02d", minutes))
                let text = "\(formatter.string(from: date)) (\(gmt), \(name))"
                if formatted.count >= Self.remembered { formatted.removeAll(keepingCapacity: true) }
                formatted[date] = text
                return text
            }
        }
    }

    private let lock = NSLock()
    private var formatters: [String: Formatter] = [:]

    func formatter(for identifier: String?) -> Formatter {
        lock.withLock {
            let key = identifier ?? ""
            if let known = formatters[key] { return known }
            let made = Formatter(identifier: identifier)
            formatters[key] = made
            return made
        }
    }
}
