import Postgres
import XCTest

/// URL parsing: pure, no server.
final class ConfigurationTests: XCTestCase {
    func testDefaults() throws {
        for url in ["postgres://", "postgresql://", "postgres:///", "POSTGRES://"] {
            let configuration = try PostgresConfiguration(url: url)
            XCTAssertEqual(configuration, PostgresConfiguration(), url)
            XCTAssertEqual(configuration.host, "127.0.0.1")
            XCTAssertEqual(configuration.port, 5432)
            XCTAssertEqual(configuration.user, "airfleet")
            XCTAssertEqual(configuration.database, "airfleet")
            XCTAssertNil(configuration.password)
            XCTAssertEqual(configuration.connectTimeout, 5)
            XCTAssertNil(configuration.sslMode)
            XCTAssertNil(configuration.applicationName)
        }
    }

    func testFullURL() throws {
        let configuration = try PostgresConfiguration(url: "postgresql://booker:s3cret@db.example.com:6543/bookings?application_name=bookings-1&sslmode=verify-full&connect_timeout=12")
        XCTAssertEqual(configuration, PostgresConfiguration(
            host: "db.example.com", port: 6543, user: "booker", password: "s3cret", database: "bookings",
            applicationName: "bookings-1", connectTimeout: 12, sslMode: "verify-full"))
    }

    func testPercentDecoding() throws {
        let configuration = try PostgresConfiguration(url: "postgres://us%40er:p%40ss%2Fw%3Ard%23%3F@%2Fvar%2Frun%2Fpostgresql:5433/my%20db?application_name=a%26b%3Dc")
        XCTAssertEqual(configuration.user, "us@er")
        XCTAssertEqual(configuration.password, "p@ss/w:rd#?")
        XCTAssertEqual(configuration.host, "/var/run/postgresql")
        XCTAssertEqual(configuration.port, 5433)
        XCTAssertEqual(configuration.database, "my db")
        XCTAssertEqual(configuration.applicationName, "a&b=c")
    }

    func testUnencodedAtInPasswordAndIPv6() throws {
        let configuration = try PostgresConfiguration(url: "postgres://u:p@ss@[::1]:5490/d")
        XCTAssertEqual(configuration.password, "p@ss")
        XCTAssertEqual(configuration.host, "::1")
        XCTAssertEqual(configuration.port, 5490)
        XCTAssertEqual(configuration.redactedURL, "postgres://u:***@[::1]:5490/d")
    }

    func testEmptyPasswordIsKeptAndUserOnly() throws {
        XCTAssertEqual(try PostgresConfiguration(url: "postgres://u:@h/d").password, "")
        let userOnly = try PostgresConfiguration(url: "postgres://someone@h")
        XCTAssertEqual(userOnly.user, "someone")
        XCTAssertNil(userOnly.password)
        XCTAssertEqual(userOnly.database, "airfleet")
    }

    func testRedactedURLHidesPasswordAndRoundTrips() throws {
        let configuration = try PostgresConfiguration(url: "postgres://u%20x:hunter2@h:1/d%2Fb?application_name=a%20b&sslmode=disable&connect_timeout=3")
        XCTAssertEqual(configuration.redactedURL, "postgres://u%20x:***@h:1/d%2Fb?application_name=a%20b&sslmode=disable&connect_timeout=3")
        XCTAssertFalse(configuration.redactedURL.contains("hunter2"))
        var parsedBack = try PostgresConfiguration(url: configuration.redactedURL)
        parsedBack.password = configuration.password
        XCTAssertEqual(parsedBack, configuration)
    }

    func testBadURLsSayWhatIsWrong() {
        let cases: [(String, String)] = [
            ("mysql://u@h/d", "expected a postgres:// or postgresql:// URL, got mysql://…"),
            ("127.0.0.1:5432", "expected a postgres:// or postgresql:// URL"),
            ("postgres://h:abc/d", "port 'abc' is not a number between 1 and 65535"),
            ("postgres://h:70000/d", "port '70000' is not a number"),
            ("postgres://h/d/e", "the URL path must be just the database name"),
            ("postgres://h/d?sslmode=sometimes", "sslmode 'sometimes' is not one of disable, allow, prefer, require, verify-ca, verify-full"),
            ("postgres://h/d?connect_timeout=soon", "connect_timeout 'soon' is not a whole number of seconds"),
            ("postgres://h/d?sslrootcert=/x", "unsupported URL parameter 'sslrootcert'"),
            ("postgres://h/d?application_name", "URL parameter 'application_name' has no value"),
            ("postgres://h/%zz", "invalid percent-encoding in the database name '%zz'"),
            ("postgres://[::1/d", "unterminated IPv6 address"),
            ("postgres://h1,h2/d", "several hosts ('h1,h2') are not supported"),
        ]
        for (url, expected) in cases {
            do {
                let configuration = try PostgresConfiguration(url: url)
                XCTFail("\(url) parsed as \(configuration)")
            } catch let error as PostgresConfigurationError {
                XCTAssertTrue(error.description.hasPrefix("invalid PostgreSQL URL: "), "\(error)")
                XCTAssertTrue(error.description.contains(expected), "\(url): \(error) does not contain \(expected)")
            } catch {
                XCTFail("\(url): unexpected \(error)")
            }
        }
    }

    func testErrorsNeverQuoteThePassword() {
        for url in ["postgres://u:top%zzsecret@h/d", "postgres://u:top/secret@h/d", "postgres://u:top?secret@h/d", "postgres://u:top#secret@h/d"] {
            do {
                _ = try PostgresConfiguration(url: url)
                XCTFail("\(url) parsed")
            } catch {
                XCTAssertFalse("\(error)".contains("secret"), "\(url): \(error)")
            }
        }
    }
}
