import Foundation

/// How times and money read in an email: local to the airport, with its zone named.
public enum EmailFormatting {
    /// `Mon 23 Nov 2026, 14:05 (GMT+1, Europe/Paris)`; UTC when the zone is unknown.
    public static func localTime(_ date: Date, timeZone identifier: String?) -> String {
        let known = identifier.flatMap(TimeZone.init(identifier:))
        let zone = known ?? TimeZone(secondsFromGMT: 0)!
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = zone
        formatter.dateFormat = "EEE d MMM yyyy, HH:mm"
        let offset = zone.secondsFromGMT(for: date)
        let hours = offset / 3600, minutes = abs(offset % 3600) / 60
        let gmt = offset == 0 ? "GMT" : String(format: "GMT%+d%@", hours, minutes == 0 ? "" : String(format: ":%02d", minutes))
        return "\(formatter.string(from: date)) (\(gmt), \(known.map { _ in identifier! } ?? "UTC"))"
    }

    /// `EUR 1,234.50` from minor units.
    public static func money(_ minorUnits: Int, currency: String?) -> String {
        let sign = minorUnits < 0 ? "-" : ""
        let value = abs(minorUnits)
        let whole = value / 100, cents = value % 100
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.groupingSeparator = ","
        formatter.usesGroupingSeparator = true
        let wholeText = formatter.string(from: NSNumber(value: whole)) ?? String(whole)
        return "\(currency ?? "") \(sign)\(wholeText).\(String(format: "%02d", cents))".trimmingCharacters(in: .whitespaces)
    }
}
