/// The price of a seat: the cabin's base fare times a multiplier that grows with the cabin's
/// load factor (held + sold seats / seats). Integer arithmetic in minor units, so Swift and the
/// SQL that sorts search results by price agree to the unit.
public enum Pricing {
    /// Load factor ceilings (percent, inclusive) and their multipliers (percent).
    public static let tiers: [(loadUpToPercent: Int, multiplierPercent: Int)] = [
        (50, 100), (75, 125), (90, 160), (100, 200),
    ]

    /// The multiplier, in percent, for `taken` of `capacity` seats gone.
    public static func multiplierPercent(taken: Int, capacity: Int) -> Int {
        guard capacity > 0 else { return tiers.last!.multiplierPercent }
        for tier in tiers where taken * 100 <= tier.loadUpToPercent * capacity {
            return tier.multiplierPercent
        }
        return tiers.last!.multiplierPercent
    }

    /// One seat's price now, rounded half up to the minor unit.
    public static func price(baseFare: Int, taken: Int, capacity: Int) -> Int {
        (baseFare * multiplierPercent(taken: taken, capacity: capacity) + 50) / 100
    }

    /// The same rule as a SQL expression over integer columns, for sorting search results by price.
    static func sqlPrice(baseFare: String, taken: String, capacity: String) -> String {
        let cases = tiers.dropLast().map { "WHEN \(taken) * 100 <= \($0.loadUpToPercent) * \(capacity) THEN \($0.multiplierPercent)" }
        return "((\(baseFare) * (CASE \(cases.joined(separator: " ")) ELSE \(tiers.last!.multiplierPercent) END) + 50) / 100)"
    }
}
