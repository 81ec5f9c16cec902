import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real servers that `ops/test` starts for the test run, found through environment variables.
///
/// Each test isolates itself in a virtual host and a database schema of its own, so tests never
/// depend on what another test left behind.
public enum TestServers {
    public struct MissingServer: Error, CustomStringConvertible {
        public let variable: String
        public var description: String {
            "\(variable) is not set: the integration tests need the servers that ops/test starts; run `ops/test`, or export the variables it prints"
        }
    }

    /// `amqp://` URL of the test broker's default virtual host.
    public static func amqpURL() throws -> String { try variable("AIRFLEET_TEST_AMQP_URL") }

    /// `postgres://` URL of the test database.
    public static func databaseURL() throws -> String { try variable("AIRFLEET_TEST_DATABASE_URL") }

    /// Base URL of the test broker's management API, with credentials (`http://user:pass@host:port`).
    public static func managementURL() throws -> String { try variable("AIRFLEET_TEST_RABBITMQ_API") }

    /// `amqp://` URL of a fresh virtual host, created for the caller and open to the test user.
    public static func makeVirtualHost(_ label: String = "t") throws -> (name: String, url: String) {
        let name = "\(label)-\(UUID().uuidString.prefix(8).lowercased())"
        let api = try ManagementAPI(baseURL: try managementURL())
        try api.send("PUT", "/api/vhosts/\(name)", body: #"{"description":"airfleet test"}"#)
        try api.send("PUT", "/api/permissions/\(name)/\(api.user)",
                     body: #"{"configure":".*","write":".*","read":".*"}"#)
        return (name, try virtualHostURL(name))
    }

    /// Deletes a virtual host made by `makeVirtualHost`, with everything in it.
    public static func deleteVirtualHost(_ name: String) {
        guard let api = try? ManagementAPI(baseURL: try managementURL()) else { return }
        _ = try? api.send("DELETE", "/api/vhosts/\(name)")
    }

    /// The test broker's URL with its path replaced by the given virtual host.
    public static func virtualHostURL(_ name: String) throws -> String {
        guard var components = URLComponents(string: try amqpURL()) else {
            throw MissingServer(variable: "AIRFLEET_TEST_AMQP_URL (not a URL)")
        }
        components.percentEncodedPath = "/" + (name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? name)
        return components.string!
    }

    /// A schema name no other test uses.
    public static func makeSchemaName(_ label: String = "t") -> String {
        "\(label)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Restarts the broker application (all connections drop; durable queues keep their messages).
    public static func restartBroker() throws {
        let command = try variable("AIRFLEET_TEST_BROKER_RESTART")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw MissingServer(variable: "AIRFLEET_TEST_BROKER_RESTART (exited \(process.terminationStatus))")
        }
    }

    /// Restarts the broker's application again once a test that restarted it has removed its
    /// virtual host. RabbitMQ 3.10's at-least-once dead-letter workers crash when their queue is
    /// deleted while they are still starting after a restart; enough crashes at once stop their
    /// supervisor (rabbit_fifo_dlx_sup), and from then on no queue with that strategy can be
    /// declared (541 INTERNAL_ERROR) until the application restarts. This leaves the broker as
    /// the next test expects it. The restart itself may meet the same crash, so it is checked by
    /// declaring such a queue, and made again until one is declared.
    public static func healBrokerAfterRestartTest() {
        for attempt in 1...4 {
            do {
                try restartBroker()
            } catch {
                print("warning: the broker could not be restarted after a restart test: \(error)")
                return
            }
            // The workers that crash it start in the seconds after the restart.
            Thread.sleep(forTimeInterval: 2)
            if declaresAtLeastOnceDeadLettering() { return }
            print("warning: restart \(attempt) left the broker refusing at-least-once dead-lettering queues (541); restarting it again")
        }
    }

    /// Whether the broker declares a new quorum queue with at-least-once dead-lettering, as the
    /// fleet's are. The queue stays (deleting one is what crashes the dead-letter workers): one in
    /// the default virtual host for each check, a few in a whole run of the suite.
    static func declaresAtLeastOnceDeadLettering() -> Bool {
        guard let api = try? ManagementAPI(baseURL: try managementURL()) else { return true }
        let name = "airfleet-test-dlx-check-\(UUID().uuidString.prefix(8).lowercased())"
        let arguments = #"{"durable":true,"arguments":{"x-queue-type":"quorum","x-dead-letter-strategy":"at-least-once","x-overflow":"reject-publish","x-dead-letter-exchange":"airfleet.dead-letters"}}"#
        for _ in 0..<3 {
            do {
                try api.send("PUT", "/api/queues/%2F/\(name)", body: arguments)
                return true
            } catch {
                // A refusal comes as an answer (400, naming rabbit_fifo_dlx_sup); right after a
                // restart the API may not answer at all yet.
                if "\(error)".contains(" answered ") { return false }
                Thread.sleep(forTimeInterval: 1)
            }
        }
        return false
    }

    static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw MissingServer(variable: name)
        }
        return value
    }
}
