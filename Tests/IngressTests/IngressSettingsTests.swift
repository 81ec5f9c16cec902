import Fleet
import Ingress
import XCTest

/// The ingress reads the same settings, with the same local defaults, as every other process.
final class IngressSettingsTests: XCTestCase {
    func testTheBrokerDefaultsToTheLocalOneAsTheREADMESays() throws {
        let secret = String(repeating: "s", count: 48)
        let configuration = try IngressConfiguration.fromEnvironment(["AIRFLEET_JWT_SECRET": secret])
        let fleet = try FleetConfiguration.fromEnvironment([:])
        XCTAssertEqual(configuration.amqp.host, "127.0.0.1")
        XCTAssertEqual(configuration.amqp.port, 5672)
        XCTAssertEqual(configuration.amqp.user, "guest")
        XCTAssertEqual(configuration.amqp.host, fleet.amqp.host)
        XCTAssertEqual(configuration.amqp.port, fleet.amqp.port)
        XCTAssertEqual(configuration.port, 8080)
    }

    func testTheSigningSecretIsStillRequiredAndSaysWhereOneComesFrom() {
        XCTAssertThrowsError(try IngressConfiguration.fromEnvironment([:])) { error in
            XCTAssertTrue("\(error)".contains("AIRFLEET_JWT_SECRET is not set"), "\(error)")
        }
    }
}
