import Contracts
import Fleet
import HummingbirdBcrypt

/// bcrypt, as Airfleet uses it: the ingress, operators' tools and the first admin hash; the
/// customers context verifies logins. Pure computation, no I/O. Nothing here logs or keeps a password.
public enum PasswordHashing {
    public static let defaultCost = 12
    public static let costRange = 4...31

    /// Reads `AIRFLEET_BCRYPT_COST` (default 12), refusing a value bcrypt cannot use.
    public static func cost(reading settings: SettingsReader) throws -> Int {
        try settings.integer("AIRFLEET_BCRYPT_COST", default: defaultCost, range: costRange)
    }

    /// Checks `password` against `PasswordPolicy`, then hashes it (`$2b$`). What the HTTP ingress
    /// and `airfleet user create` do before publishing `customer.register.v1`.
    public static func hash(_ password: String, email: String, cost: Int) throws -> String {
        try PasswordPolicy.check(password, email: email)
        return try hashUnchecked(password, cost: cost)
    }

    /// Hashes without the policy: for secrets no person chose (a random dummy), never for a user's password.
    public static func hashUnchecked(_ password: String, cost: Int) throws -> String {
        guard costRange.contains(cost) else {
            throw ConfigurationError("bcrypt cost must be from \(costRange.lowerBound) to \(costRange.upperBound), not \(cost)")
        }
        return Bcrypt.hash(password, cost: UInt8(cost))
    }

    /// Whether `password` is the one `hash` was made from.
    ///
    /// - `$2y$` (PHP's name for the same algorithm as `$2b$`) is read as `$2b$`, since the bcrypt
    ///   library here knows only `$2a$` and `$2b$`.
    /// - A password longer than 72 bytes, or holding a NUL, never matches: the policy refuses
    ///   such passwords at registration, and bcrypt would compare only a prefix of them. The hash
    ///   is still computed, so the answer takes as long as any other.
    public static func verify(_ password: String, hash: String) -> Bool {
        let acceptable = password.utf8.count <= PasswordPolicy.maximumBytes && !password.utf8.contains(0)
        let candidate = acceptable ? password : ""
        let readable = hash.hasPrefix("$2y$") ? "$2b$" + hash.dropFirst(4) : hash
        let matches = Bcrypt.verify(candidate, hash: readable)
        return acceptable && matches
    }
}
