import Contracts
@testable import Customers
import Fleet
import Foundation
import Passwords
import XCTest

/// The pure rules: no broker, no database.
final class PasswordPolicyTests: XCTestCase {
    private func rule(_ password: String, _ email: String = "zoe@example.com") -> PasswordPolicy.Rule? {
        PasswordPolicy.violation(password, email: email)
    }

    func testEachRuleRefusesWhatItNames() {
        XCTAssertEqual(rule("Short1!"), .minLength)
        XCTAssertEqual(rule(String(repeating: "Abcd1-", count: 13)), .maxLength, "78 bytes")
        XCTAssertEqual(rule("good\u{0}Password9"), .controlCharacter)
        XCTAssertEqual(rule("aaaaaaaaaB"), .fewDistinct)
        XCTAssertEqual(rule("abcdefghijkl"), .oneClass)
        XCTAssertEqual(rule("1234567890"), .oneClass)
        XCTAssertEqual(rule("zoe@example.com"), .containsEmail)
        XCTAssertEqual(rule("ZOE@EXAMPLE.COM"), .containsEmail)
        XCTAssertEqual(rule("Xx-zoe-2026!"), .containsEmail, "the local part, ignoring case")
        XCTAssertEqual(rule("MyPassword77"), .common)
        XCTAssertEqual(rule("qwertyUIOP1"), .common)
    }

    func testReasonablePasswordsPass() {
        XCTAssertNil(rule("correct horse battery"), "a passphrase: letters and blanks")
        XCTAssertNil(rule("Tr0ub4dor&3"))
        XCTAssertNil(rule("Zoë-Ångström-1984"))
        XCTAssertNil(rule(String(repeating: "Abcd1-", count: 12)), "exactly 72 bytes")
        XCTAssertNil(rule("Xx-zo-2026!", "zo@example.com"), "a local part shorter than 3 is not searched")
    }

    func testCheckThrowsAValidationErrorOnPasswordNamingTheRuleAndNotThePassword() {
        XCTAssertThrowsError(try PasswordPolicy.check("Sh0rt!", email: "zoe@example.com")) { error in
            let error = error as! ValidationError
            XCTAssertEqual(error.field, "password")
            XCTAssertEqual(error.reason, "must be at least 10 characters (rule min-length)")
            XCTAssertFalse("\(error)".contains("Sh0rt!"))
        }
        XCTAssertThrowsError(try PasswordPolicy.check("zoe@example.com", email: "zoe@example.com")) { error in
            XCTAssertTrue("\(error)".hasSuffix("(rule contains-email)"), "\(error)")
        }
        XCTAssertNoThrow(try PasswordPolicy.check("correct horse battery", email: "zoe@example.com"))
    }
}

final class CustomerRulesTests: XCTestCase {
    func testEmailsAreTrimmedAndLowerCased() throws {
        XCTAssertEqual(try CustomerRules.checkEmail("  Zoe.Angstrom@Example.COM \n"), "zoe.angstrom@example.com")
        for bad in ["", "zoe", "zoe@", "@example.com", "zoe@example", "zoe@@example.com", "zo e@example.com", "zoe@example..com",
                    String(repeating: "a", count: 65) + "@example.com"] {
            XCTAssertThrowsError(try CustomerRules.checkEmail(bad), bad) { error in
                XCTAssertEqual((error as? ValidationError)?.field, "email")
            }
        }
    }

    func testNamesAreTrimmedNonEmptyAndAtMostOneHundredCharacters() throws {
        XCTAssertEqual(try CustomerRules.checkName("  Zoë Ångström ", field: "name"), "Zoë Ångström")
        XCTAssertNoThrow(try CustomerRules.checkName(String(repeating: "é", count: 100), field: "name"))
        XCTAssertThrowsError(try CustomerRules.checkName(String(repeating: "é", count: 101), field: "name"))
        XCTAssertThrowsError(try CustomerRules.checkName("   ", field: "passengers[2].lastName")) { error in
            XCTAssertEqual("\(error)", "passengers[2].lastName: must not be empty")
        }
        XCTAssertThrowsError(try CustomerRules.checkName("Zoë\u{7}", field: "name"))
    }

    func testDatesOfBirth() throws {
        let now = FleetJSON.parseTimestamp("2026-03-01T12:00:00Z")!
        for good in ["1900-01-01", "1984-03-07", "2000-02-29", "2026-03-01", "2026-03-02"] {
            XCTAssertNoThrow(try CustomerRules.checkDateOfBirth(good, field: "d", now: now), good)
        }
        let bad = ["1899-12-31": "must not be before 1900-01-01", "2026-03-03": "must not be in the future",
                   "2100-01-01": "must not be in the future", "1900-02-29": "1900-02-29 is not a day of the calendar",
                   "1984-13-01": "1984-13-01 is not a day of the calendar", "1984-3-7": "must be a date written YYYY-MM-DD, such as 1984-03-07",
                   "07/03/1984": "must be a date written YYYY-MM-DD, such as 1984-03-07"]
        for (text, reason) in bad {
            XCTAssertThrowsError(try CustomerRules.checkDateOfBirth(text, field: "passengers[0].dateOfBirth", now: now), text) { error in
                XCTAssertEqual("\(error)", "passengers[0].dateOfBirth: \(reason)")
            }
        }
        XCTAssertEqual(CustomerRules.latestDateOfBirth(now: FleetJSON.parseTimestamp("2026-03-01T10:00:00Z")!), "2026-03-02",
                       "already the next day at UTC+14")
    }

    func testTheLatestDateOfBirthIsTheCalendarsDayAtUTCPlus14() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 14 * 3600)!
        func expected(_ now: Date) -> String {
            let parts = calendar.dateComponents([.year, .month, .day], from: now)
            return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        }
        // From 1890 to 2200, every 11.5 days at a different hour, and either side of midnight
        // at UTC+14 around leap days and the turn of a year.
        var seconds = -2_524_000_000.0
        while seconds < 7_258_000_000 {
            let now = Date(timeIntervalSince1970: seconds)
            XCTAssertEqual(CustomerRules.latestDateOfBirth(now: now), expected(now), "\(now)")
            seconds += 997_201
        }
        for (instant, day) in [("2024-02-28T09:59:59Z", "2024-02-28"), ("2024-02-28T10:00:00Z", "2024-02-29"),
                               ("2100-02-28T10:00:00Z", "2100-03-01"), ("2000-02-28T10:00:00Z", "2000-02-29"),
                               ("1969-12-31T09:59:59Z", "1969-12-31"), ("1969-12-31T10:00:00Z", "1970-01-01"),
                               ("2026-12-31T10:00:00Z", "2027-01-01")] {
            XCTAssertEqual(CustomerRules.latestDateOfBirth(now: FleetJSON.parseTimestamp(instant)!), day, instant)
        }
    }

    func testPasswordHashesMustBeBcryptAndTheErrorNeverShowsTheValue() throws {
        let hash = Bcrypt4.hash
        XCTAssertNoThrow(try CustomerRules.checkPasswordHash(hash))
        XCTAssertNoThrow(try CustomerRules.checkPasswordHash("$2y$" + hash.dropFirst(4)))
        XCTAssertNoThrow(try CustomerRules.checkPasswordHash("$2a$" + hash.dropFirst(4)))
        for bad in ["correct horse battery", "$2x$" + hash.dropFirst(4), "$2b$03$" + hash.dropFirst(7), "$2b$32$" + hash.dropFirst(7),
                    String(hash.dropLast()), hash + "x", hash.replacingOccurrences(of: "$04$", with: "$4$")] {
            XCTAssertThrowsError(try CustomerRules.checkPasswordHash(bad), bad) { error in
                XCTAssertEqual((error as? ValidationError)?.field, "passwordHash")
                XCTAssertFalse("\(error)".contains(bad), "the error repeats the value: \(error)")
            }
        }
    }

    func testUpdateValidationNamesThePassengerField() {
        let id = UUID()
        func error(_ update: UpdateCustomer) -> String? {
            do { try update.validate(); return nil } catch { return "\(error)" }
        }
        let good = SavedPassenger(passengerId: UUID(), firstName: "Li", lastName: "Wei", dateOfBirth: "2015-11-30")
        XCTAssertNil(error(UpdateCustomer(customerId: id, name: "Zoë")))
        XCTAssertNil(error(UpdateCustomer(customerId: id, passengers: [])))
        XCTAssertEqual(error(UpdateCustomer(customerId: id)), "name: name, passengers, phone or notificationPreferences is required: an update must change something")
        var future = good
        future.dateOfBirth = "2999-01-01"
        XCTAssertEqual(error(UpdateCustomer(customerId: id, passengers: [good, future])), "passengers[1].dateOfBirth: must not be in the future")
        var loyal = good
        loyal.loyaltyNumber = "AF 123"
        XCTAssertEqual(error(UpdateCustomer(customerId: id, passengers: [loyal])), "passengers[0].loyaltyNumber: must be 1 to 32 letters and digits")
        XCTAssertEqual(error(UpdateCustomer(customerId: id, passengers: [good, good])), "passengers[1].passengerId: appears twice in the list")
        XCTAssertEqual(error(UpdateCustomer(customerId: id, passengers: Array(repeating: good, count: 21))), "passengers: must hold at most 20 passengers")
    }

    func testSecretsStayOutOfDescriptions() {
        let register = RegisterCustomer(customerId: UUID(), email: "zoe@example.com", passwordHash: Bcrypt4.hash, name: "Zoë")
        XCTAssertFalse("\(register)".contains(Bcrypt4.hash))
        XCTAssertFalse(String(reflecting: register).contains(Bcrypt4.hash))
        let login = CustomerLogin(email: "zoe@example.com", password: "correct horse battery")
        XCTAssertFalse("\(login)".contains("correct horse"))
    }
}

final class CredentialTests: XCTestCase {
    func testHashAndVerify() throws {
        let hash = try PasswordHashing.hash("correct horse battery", email: "zoe@example.com", cost: 4)
        XCTAssertTrue(hash.hasPrefix("$2b$04$"))
        XCTAssertNoThrow(try CustomerRules.checkPasswordHash(hash))
        XCTAssertTrue(PasswordHashing.verify("correct horse battery", hash: hash))
        XCTAssertFalse(PasswordHashing.verify("correct horse batterY", hash: hash))
        XCTAssertTrue(PasswordHashing.verify("correct horse battery", hash: "$2y$" + hash.dropFirst(4)), "$2y$ is read as $2b$")
        XCTAssertFalse(PasswordHashing.verify("correct horse battery", hash: "not a hash"))
    }

    func testHashingChecksThePolicyFirst() {
        XCTAssertThrowsError(try PasswordHashing.hash("password12", email: "zoe@example.com", cost: 4)) { error in
            XCTAssertTrue("\(error)".hasSuffix("(rule one-class)") || "\(error)".hasSuffix("(rule common)"), "\(error)")
        }
    }

    func testPasswordsBcryptWouldTruncateNeverMatch() throws {
        let long = String(repeating: "Ab1", count: 24)  // 72 bytes: the most bcrypt reads
        let hash = try PasswordHashing.hashUnchecked(long, cost: 4)
        XCTAssertTrue(PasswordHashing.verify(long, hash: hash))
        XCTAssertFalse(PasswordHashing.verify(long + "anything", hash: hash), "bcrypt alone would say yes")
        let short = try PasswordHashing.hashUnchecked("abc", cost: 4)
        XCTAssertFalse(PasswordHashing.verify("abc\u{0}def", hash: short), "C would stop at the NUL")
    }

    func testCostFromTheEnvironment() throws {
        XCTAssertEqual(try PasswordHashing.cost(reading: SettingsReader(environment: [:])), 12)
        XCTAssertEqual(try PasswordHashing.cost(reading: SettingsReader(environment: ["AIRFLEET_BCRYPT_COST": "10"])), 10)
        for bad in ["3", "32", "twelve"] {
            XCTAssertThrowsError(try PasswordHashing.cost(reading: SettingsReader(environment: ["AIRFLEET_BCRYPT_COST": bad]))) { error in
                XCTAssertTrue("\(error)".contains("must be a whole number from 4 to 31"), "\(error)")
            }
        }
    }

    func testRegistrationDecisions() {
        let id = UUID(), other = UUID()
        let mine = RegistrationDecision.ExistingCustomer(customerId: id, email: "zoe@example.com", name: "Zoë", roles: [.customer], createdAt: Date())
        let theirs = RegistrationDecision.ExistingCustomer(customerId: other, email: "zoe@example.com", name: "Z", roles: [.customer], createdAt: Date())
        XCTAssertEqual(RegistrationDecision.decide(customerId: id, email: "zoe@example.com", existing: []), .register)
        XCTAssertEqual(RegistrationDecision.decide(customerId: id, email: "zoe@example.com", existing: [mine]), .repeated(mine))
        XCTAssertEqual(RegistrationDecision.decide(customerId: id, email: "zoe@example.com", existing: [theirs]), .emailTaken(by: other))
        XCTAssertEqual(RegistrationDecision.decide(customerId: id, email: "ana@example.com", existing: [mine]), .idTaken(email: "zoe@example.com"))
    }
}

/// One bcrypt hash made once, at cost 4, for tests that need a valid one.
enum Bcrypt4 {
    static let password = "correct horse battery 7"
    static let hash: String = try! PasswordHashing.hashUnchecked(password, cost: 4)
}
