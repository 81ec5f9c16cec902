import Fleet

/// What a password must be before anyone hashes it. Pure: the HTTP ingress and
/// `airfleet user create` call `check` on the plain password, then hash it with bcrypt and publish
/// only the hash in `customer.register.v1`; the plain password never travels on the broker.
///
/// The rules, checked in this order (the first broken one is reported):
///
/// | rule | requirement |
/// |---|---|
/// | `min-length` | at least 10 characters |
/// | `max-length` | at most 72 bytes of UTF-8: bcrypt reads no further, so more would only look safer |
/// | `control-character` | no control characters (a NUL would silently end the password inside bcrypt) |
/// | `few-distinct` | at least 5 different characters (`aaaaaaaaa1` is not 10 characters of secret) |
/// | `one-class` | characters from at least two classes: lower-case letters, upper-case letters, digits, others (symbols, blanks, letters of scripts without case) |
/// | `contains-email` | not the email address, and not containing its local part (before `@`) when that is 3 characters or more, ignoring case |
/// | `common` | not containing a word every cracking list starts with (`password`, `qwerty`, `123456`, `letmein`, `iloveyou`, `airfleet`) |
///
/// Long passphrases of ordinary words pass (`correct horse battery`: letters and blanks); that is
/// intended. Errors name the rule and never repeat the password.
public enum PasswordPolicy {
    public static let minimumLength = 10
    /// bcrypt's limit, in bytes of UTF-8.
    public static let maximumBytes = 72
    public static let minimumDistinctCharacters = 5
    public static let commonWords = ["password", "qwerty", "123456", "letmein", "iloveyou", "airfleet"]

    /// One rule of the policy.
    public enum Rule: String, Sendable, CaseIterable {
        case minLength = "min-length"
        case maxLength = "max-length"
        case controlCharacter = "control-character"
        case fewDistinct = "few-distinct"
        case oneClass = "one-class"
        case containsEmail = "contains-email"
        case common

        /// What the rule asks, as a person reads it after "password ".
        public var requirement: String {
            switch self {
            case .minLength: "must be at least \(PasswordPolicy.minimumLength) characters"
            case .maxLength: "must be at most \(PasswordPolicy.maximumBytes) bytes in UTF-8 (bcrypt ignores anything longer)"
            case .controlCharacter: "must not contain control characters"
            case .fewDistinct: "must use at least \(PasswordPolicy.minimumDistinctCharacters) different characters"
            case .oneClass: "must mix at least two of: lower-case letters, upper-case letters, digits, other characters"
            case .containsEmail: "must not be or contain the email address or its name part"
            case .common: "must not contain a commonly used password such as \"password\", \"qwerty\" or \"123456\""
            }
        }
    }

    /// The first rule `password` breaks, or nil when it is acceptable.
    public static func violation(_ password: String, email: String) -> Rule? {
        if password.count < minimumLength { return .minLength }
        if password.utf8.count > maximumBytes { return .maxLength }
        if password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { return .controlCharacter }
        if Set(password).count < minimumDistinctCharacters { return .fewDistinct }
        if characterClasses(of: password) < 2 { return .oneClass }
        let lowered = password.lowercased()
        let address = CustomerRules.normalizedEmail(email)
        if !address.isEmpty {
            let local = address.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? address
            if lowered == address || lowered.contains(address) || (local.count >= 3 && lowered.contains(local)) {
                return .containsEmail
            }
        }
        if commonWords.contains(where: { lowered.contains($0) }) { return .common }
        return nil
    }

    /// Throws a `ValidationError` on field `password` naming the broken rule, for example
    /// `password: must be at least 10 characters (rule min-length)`.
    public static func check(_ password: String, email: String) throws {
        if let rule = violation(password, email: email) {
            throw ValidationError(field: "password", "\(rule.requirement) (rule \(rule.rawValue))")
        }
    }

    private static func characterClasses(of password: String) -> Int {
        var lower = false, upper = false, digit = false, other = false
        for scalar in password.unicodeScalars {
            let properties = scalar.properties
            if properties.isLowercase { lower = true }
            else if properties.isUppercase { upper = true }
            else if properties.numericType != nil { digit = true }
            else { other = true }
        }
        return [lower, upper, digit, other].filter { $0 }.count
    }
}
