import Fleet
import FleetTestSupport
import Foundation
import HTTPDelivery
import XCTest

/// What ops/up checks before and after starting the fleet: settings a process would die on,
/// and processes that keep exiting instead of consuming.
final class StartupChecksTests: XCTestCase {
    var fleet: TestFleet!
    var state: URL?

    override func setUpWithError() throws { fleet = try TestFleet() }

    override func tearDown() {
        if let state {
            _ = try? ops("source ops/lib/common.sh; source ops/lib/fleet.sh; fleet_stop \"$AIRFLEET_STATE_DIR\"", state: state)
            try? FileManager.default.removeItem(at: state)
        }
        fleet?.tearDown()
    }

    func testConfigCheckNamesTheSettingAndTheRuleItBreaks() throws {
        var environment = fleet.environment
        environment["AIRFLEET_ADMIN_EMAIL"] = "admin@airfleet.local"
        environment["AIRFLEET_ADMIN_PASSWORD"] = "Admin-Horse-Battery-7"
        let refused = try Airfleet.run(["config", "check"], input: "", fleet: fleet, environment: environment)
        XCTAssertEqual(refused.status, 1, refused.output)
        XCTAssertTrue(refused.errors.contains("AIRFLEET_ADMIN_PASSWORD must not be or contain the email address or its name part"),
                      refused.errors)

        environment["AIRFLEET_ADMIN_PASSWORD"] = "Correct-Horse-Battery-7"
        environment["AIRFLEET_PREFETCH"] = "lots"
        let badNumber = try Airfleet.run(["config", "check"], input: "", fleet: fleet, environment: environment)
        XCTAssertEqual(badNumber.status, 1)
        XCTAssertTrue(badNumber.errors.contains("AIRFLEET_PREFETCH"), badNumber.errors)

        environment["AIRFLEET_PREFETCH"] = nil
        environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc"
        let grpc = try Airfleet.run(["config", "check"], input: "", fleet: fleet, environment: environment)
        XCTAssertEqual(grpc.status, 1)
        XCTAssertTrue(grpc.errors.contains("OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported"), grpc.errors)

        environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json"
        let fine = try Airfleet.run(["config", "check"], input: "", fleet: fleet, environment: environment)
        XCTAssertEqual(fine.status, 0, fine.errors)
        XCTAssertEqual(fine.output, "settings: ok\n")
        let noSecret = try Airfleet.run(["config", "check", "--ingress"], input: "", fleet: fleet, environment: environment)
        XCTAssertEqual(noSecret.status, 1)
        XCTAssertTrue(noSecret.errors.contains("AIRFLEET_JWT_SECRET is not set"), noSecret.errors)
    }

    func testConfigShowListsEverySettingWithItsSourceAndHidesSecrets() throws {
        var environment = fleet.environment
        environment["AIRFLEET_JWT_SECRET"] = String(repeating: "s3cr3t", count: 8)
        environment["AIRFLEET_SMTP_URL"] = "smtp://mailer:hunter2@mail.example.com:2587"
        environment["AIRFLEET_PREFETCH"] = "64"
        environment["AIRFLEET_BATCH_SIZE"] = ""
        environment["AIRFLEET_RATE_LIMIT"] = "often"
        let (report, shown) = try configShown(environment)
        func setting(_ name: String) -> (value: String, source: String)? {
            report.settings.first { $0.name == name }.map { ($0.value, $0.source) }
        }
        XCTAssertEqual(setting("AIRFLEET_PREFETCH")?.value, "64")
        XCTAssertEqual(setting("AIRFLEET_PREFETCH")?.source, "environment")
        XCTAssertEqual(setting("AIRFLEET_BATCH_SIZE")?.value, "100", "an empty variable keeps the default")
        XCTAssertEqual(setting("AIRFLEET_BATCH_SIZE")?.source, "default")
        XCTAssertEqual(setting("AIRFLEET_JWT_SECRET")?.value, "***")
        XCTAssertEqual(setting("AIRFLEET_SMTP_URL")?.value, "smtp://mailer:***@mail.example.com:2587")
        XCTAssertEqual(setting("AIRFLEET_ADMIN_PASSWORD")?.source, "unset")
        for name in ["AIRFLEET_AMQP_URL", "AIRFLEET_HTTP_PORT", "AIRFLEET_SMTP_TIMEOUT", "AIRFLEET_BOOKING_HOLD_TIME",
                     "AIRFLEET_PAYMENT_GATEWAY", "AIRFLEET_BCRYPT_COST", "AIRFLEET_EMAIL_RESEND_AFTER"] {
            XCTAssertNotNil(setting(name), "\(name) is listed")
        }
        XCTAssertFalse(shown.output.contains("hunter2") || shown.output.contains("s3cr3t"), shown.output)
        XCTAssertEqual(report.problems, ["AIRFLEET_RATE_LIMIT must be like 20/s or 20/s,40 (rate per second, burst) or off, not 'often'"])

        let table = try Airfleet.run(["config", "show"], input: "", fleet: fleet, environment: environment)
        XCTAssertTrue(table.output.contains("AIRFLEET_PREFETCH"), table.output)
        XCTAssertTrue(table.output.split(separator: "\n").contains { $0.hasPrefix("AIRFLEET_PREFETCH ") && $0.hasSuffix(" environment") },
                      table.output)
    }

    func testTheSMSGatewaySettingsAreCheckedAndItsSecretNeverShown() throws {
        var environment = fleet.environment
        environment["AIRFLEET_JWT_SECRET"] = String(repeating: "s3cr3t", count: 8)
        environment["AIRFLEET_SMS_GATEWAY_URL"] = "ftp://sms.example.com/send"
        environment["AIRFLEET_SMS_GATEWAY_SECRET"] = "whsec_tooshort"
        environment["AIRFLEET_WEBHOOK_ALLOW_PRIVATE"] = "maybe"
        let checked = try Airfleet.run(["config", "check"], input: "", fleet: fleet, environment: environment)
        XCTAssertEqual(checked.status, 1)
        XCTAssertTrue(checked.errors.contains("AIRFLEET_SMS_GATEWAY_URL must use http or https, not ftp"), checked.errors)

        environment["AIRFLEET_SMS_GATEWAY_URL"] = "https://sms.example.com/send"
        var problems = try configShown(environment).report.problems
        // The webhooks context reads the flag too, so it is named though notifications stopped at the secret.
        XCTAssertEqual(problems, ["AIRFLEET_SMS_GATEWAY_SECRET: a webhook secret is whsec_ followed by the base64 of 24 to 64 bytes",
                                  "AIRFLEET_WEBHOOK_ALLOW_PRIVATE: 'maybe' must be true or false"])
        let secret = WebhookSecret.generate().text
        environment["AIRFLEET_SMS_GATEWAY_SECRET"] = secret
        let (report, shown) = try configShown(environment)
        problems = report.problems
        XCTAssertEqual(problems, ["AIRFLEET_WEBHOOK_ALLOW_PRIVATE: 'maybe' must be true or false"])
        XCTAssertEqual(report.settings.first { $0.name == "AIRFLEET_SMS_GATEWAY_SECRET" }?.value, "***")
        XCTAssertFalse(shown.output.contains(secret), shown.output)
    }

    func testTheWebhookSettingsAreCheckedAndTheSecretKeyNeverShown() throws {
        var environment = fleet.environment
        environment["AIRFLEET_JWT_SECRET"] = String(repeating: "s3cr3t", count: 8)
        environment["AIRFLEET_WEBHOOK_SECRET_KEY"] = "dG9vIHNob3J0"
        var problems = try configShown(environment).report.problems
        XCTAssertEqual(problems, ["AIRFLEET_WEBHOOK_SECRET_KEY must be the base64 of 32 random bytes (openssl rand -base64 32); endpoint secrets are stored encrypted under it"])

        let key = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        environment["AIRFLEET_WEBHOOK_SECRET_KEY"] = key
        environment["AIRFLEET_WEBHOOK_RETRY_LADDER"] = "5s,soon"
        problems = try configShown(environment).report.problems
        XCTAssertEqual(problems.count, 1, "\(problems)")
        XCTAssertTrue(problems.first?.hasPrefix("AIRFLEET_WEBHOOK_RETRY_LADDER:") == true, "\(problems)")

        environment["AIRFLEET_WEBHOOK_RETRY_LADDER"] = "1s,1m"
        let (report, shown) = try configShown(environment)
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.settings.first { $0.name == "AIRFLEET_WEBHOOK_SECRET_KEY" }?.value, "***")
        XCTAssertFalse(shown.output.contains(key), shown.output)
    }

    /// ops/ starts the servers before the binary is built, so its scripts carry the local
    /// defaults of the settings that name the servers too; they must be the binary's.
    func testTheScriptsDefaultsAreTheBinarys() throws {
        let names = ["AIRFLEET_AMQP_URL", "AIRFLEET_DATABASE_URL", "AIRFLEET_SMTP_URL", "AIRFLEET_HTTP_PORT", "AIRFLEET_ADMIN_EMAIL"]
        var environment = fleet.environment
        for name in names { environment[name] = "" }  // empty is unset, for the scripts and the binary alike
        let script = try OpsScript.run("source ops/lib/common.sh; " + names.map { "echo \"$\($0)\"" }.joined(separator: "; "),
                                       environment: environment)
        XCTAssertEqual(script.status, 0, script.output)
        let defaults = try configShown(environment).report.settings
        for (name, scripted) in zip(names, script.output.split(separator: "\n").map(String.init)) {
            let binary = defaults.first { $0.name == name }
            XCTAssertEqual(binary?.source, "default", name)
            XCTAssertEqual(binary?.value, redactingPassword(in: scripted), "\(name): ops/lib/common.sh and the binary disagree")
        }
    }

    /// The wait ops/up makes after starting the fleet: it returns once every process consumes,
    /// and fails soon, with the process's own last error, when one keeps exiting at start.
    func testWaitingForTheFleetFailsWithTheLastErrorOfAProcessThatKeepsExiting() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/supervisord") else {
            throw XCTSkip("supervisord is not installed (ops/bootstrap installs it)")
        }
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("airfleet-startup-\(UUID().uuidString.prefix(8))")
        self.state = state
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let testbed = try TestbedProcess.executable().path
        let airfleet = URL(fileURLWithPath: testbed).deletingLastPathComponent().appendingPathComponent("airfleet").path
        let start = """
            source ops/lib/common.sh; source ops/lib/fleet.sh
            since=$(date +%s)
            fleet_start "$AIRFLEET_STATE_DIR" \(testbed)
            fleet_wait_consuming "$AIRFLEET_STATE_DIR" \(airfleet) 60 "$since"
            """
        try "probe=2\n".write(to: state.appendingPathComponent("fleet.conf"), atomically: true, encoding: .utf8)
        let healthy = try ops(start, state: state)
        XCTAssertEqual(healthy.status, 0, healthy.output)
        XCTAssertEqual(try fleet.queueState("airfleet.probe").consumerCount, 2)

        // A context this binary does not have: its process prints its usage and exits, again and again.
        try "probe=2\nnowhere=1\n".write(to: state.appendingPathComponent("fleet.conf"), atomically: true, encoding: .utf8)
        let started = ContinuousClock.now
        let failing = try ops(start, state: state)
        XCTAssertNotEqual(failing.status, 0, failing.output)
        XCTAssertTrue(failing.output.contains("nowhere-1 keeps exiting at start"), failing.output)
        XCTAssertTrue(failing.output.contains("usage: fleet-testbed consume"), failing.output)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(45), "a crash loop is seen long before the wait runs out")
    }

    /// What `airfleet config show --json` says of every setting, with the run it came from.
    private struct ConfigReport: Decodable {
        struct Setting: Decodable { let name, value, source: String }
        let settings: [Setting]
        let problems: [String]
    }

    private func configShown(_ environment: [String: String]) throws -> (report: ConfigReport, run: Airfleet.Run) {
        let shown = try Airfleet.run(["config", "show", "--json"], input: "", fleet: fleet, environment: environment)
        XCTAssertEqual(shown.status, 0, shown.errors)
        return (try JSONDecoder().decode(ConfigReport.self, from: Data(shown.output.utf8)), shown)
    }

    private func ops(_ script: String, state: URL) throws -> (status: Int32, output: String) {
        try OpsScript.run(script, environment: fleet.environment.merging([
            "AIRFLEET_STATE_DIR": state.path, "AIRFLEET_FLEET_CONF": state.appendingPathComponent("fleet.conf").path,
            "AIRFLEET_DRAIN_TIMEOUT": "10s",
        ]) { $1 })
    }
}
