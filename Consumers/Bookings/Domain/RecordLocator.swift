import Contracts

/// Six characters a person can read over the phone: no I, L, O, 0 or 1 to confuse with one
/// another. 31^6 ≈ 887 million locators; uniqueness is the database's (a primary key), and a
/// collision just draws again.
public enum RecordLocator {
    public static let alphabet = BookingRules.recordLocatorAlphabet
    public static let length = 6

    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    public static func isValid(_ text: String) -> Bool {
        (try? BookingRules.recordLocator(text)) != nil
    }
}
