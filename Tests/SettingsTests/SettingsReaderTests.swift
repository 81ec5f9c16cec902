import Settings
import XCTest

/// How a setting is read, defaulted, refused and shown.
final class SettingsReaderTests: XCTestCase {
    func testAValueComesFromTheEnvironmentOrElseItsDefaultAndEachReadIsRememberedOnce() throws {
        let reader = SettingsReader(environment: ["AIRFLEET_PREFETCH": "64", "AIRFLEET_BATCH_SIZE": "", "OTHER": "x"])
        XCTAssertEqual(try reader.integer("AIRFLEET_PREFETCH", default: 300, range: 1...65535), 64)
        XCTAssertEqual(try reader.integer("AIRFLEET_BATCH_SIZE", default: 100, range: 1...5000), 100, "empty is unset")
        XCTAssertEqual(try reader.duration("AIRFLEET_DRAIN_TIMEOUT", default: .seconds(30)), .seconds(30))
        XCTAssertNil(reader.string("AIRFLEET_ADMIN_PASSWORD", secret: true))
        XCTAssertEqual(try reader.integer("AIRFLEET_PREFETCH", default: 300, range: 1...65535), 64)
        XCTAssertEqual(reader.readings.map { "\($0.name)=\($0.value) (\($0.source))" }, [
            "AIRFLEET_PREFETCH=64 (environment)",
            "AIRFLEET_BATCH_SIZE=100 (default)",
            "AIRFLEET_DRAIN_TIMEOUT=30s (default)",
            "AIRFLEET_ADMIN_PASSWORD= (unset)",
        ])
    }

    func testSecretsAndThePasswordsOfURLsAreNeverShown() {
        let reader = SettingsReader(environment: ["AIRFLEET_JWT_SECRET": "a-long-secret", "AIRFLEET_AMQP_URL": "amqp://app:pa55@broker:5672/"])
        XCTAssertEqual(reader.string("AIRFLEET_JWT_SECRET", secret: true), "a-long-secret")
        XCTAssertEqual(reader.string("AIRFLEET_AMQP_URL", default: "amqp://guest:guest@127.0.0.1:5672/"), "amqp://app:pa55@broker:5672/")
        XCTAssertEqual(reader.readings.map(\.value), ["***", "amqp://app:***@broker:5672/"])
    }

    func testABadValueIsRefusedNamingTheSettingAndTheRule() {
        let reader = SettingsReader(environment: ["AIRFLEET_PREFETCH": "lots", "AIRFLEET_DRAIN_TIMEOUT": "soon"])
        XCTAssertThrowsError(try reader.integer("AIRFLEET_PREFETCH", default: 300, range: 1...65535)) {
            XCTAssertEqual("\($0)", "AIRFLEET_PREFETCH: 'lots' must be a whole number from 1 to 65535")
        }
        XCTAssertThrowsError(try reader.duration("AIRFLEET_DRAIN_TIMEOUT", default: .seconds(30))) {
            XCTAssertEqual("\($0)", "AIRFLEET_DRAIN_TIMEOUT: 'soon' is not a duration such as 500ms, 10s, 1m or 1h")
        }
    }

    func testPerContextNamesAreFoundByTheirShape() {
        let reader = SettingsReader(environment: ["AIRFLEET_PAYMENTS_DATABASE_URL": "postgres://p", "AIRFLEET_DATABASE_URL": "postgres://a",
                                                  "AIRFLEET__DATABASE_URL": "", "AIRFLEET_X": "y"])
        XCTAssertEqual(reader.names(prefix: "AIRFLEET_", suffix: "_DATABASE_URL"), ["AIRFLEET_PAYMENTS_DATABASE_URL"])
    }
}
