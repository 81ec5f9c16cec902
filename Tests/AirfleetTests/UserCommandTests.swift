import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// `airfleet user create` against a customers process: it waits for the context's own answer.
final class UserCommandTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet() }
    override func tearDown() { fleet?.tearDown() }

    func testCreateReportsTheUserOrWhyTheCustomersContextRefusedIt() throws {
        let environment = fleet.environment.merging(["AIRFLEET_BCRYPT_COST": "4"]) { $1 }
        let email = "agent-\(UUID().lowercasedString.prefix(8))@example.com"
        let arguments = ["user", "create", "--email", email, "--name", "Ann Agent", "--role", "agent", "--password-stdin",
                         "--wait", "5"]
        let unanswered = try Airfleet.run(arguments, input: "Correct-Horse-Battery-7\n", fleet: fleet, environment: environment)
        XCTAssertEqual(unanswered.status, 1, unanswered.output)
        XCTAssertTrue(unanswered.errors.contains("the customers context did not answer within 5 s"), unanswered.errors)

        let consumer = try AirfleetProcess(["consume", "customers"], environment: environment)
        defer { consumer.kill() }
        // The first registration waited in the queue and is handled now; the same email again is refused.
        let again = try Airfleet.run(arguments.replacing(["5"], with: ["30"]), input: "Other-Horse-Battery-8\n", fleet: fleet,
                                     environment: environment)
        XCTAssertEqual(again.status, 1, again.output)
        XCTAssertTrue(again.errors.contains("not registered (email-taken)"), again.errors)

        let other = "admin-\(UUID().lowercasedString.prefix(8))@example.com"
        let created = try Airfleet.run(["user", "create", "--email", other, "--name", "Ada Admin", "--role", "admin",
                                        "--password-stdin", "--wait", "30"],
                                       input: "Correct-Horse-Battery-7\n", fleet: fleet, environment: environment)
        XCTAssertEqual(created.status, 0, created.errors)
        XCTAssertTrue(created.output.hasPrefix("created admin \(other) ("), created.output)
    }
}
