import AMQP
import Identifiers
import XCTest

/// URL parsing needs no broker.
final class ConfigurationTests: XCTestCase {
    func testDefaultsFillWhatTheURLLeavesOut() throws {
        let configuration = try AMQPConfiguration(url: "amqp://")
        XCTAssertEqual(configuration.host, "127.0.0.1")
        XCTAssertEqual(configuration.port, 5672)
        XCTAssertEqual(configuration.user, "guest")
        XCTAssertEqual(configuration.password, "guest")
        XCTAssertEqual(configuration.virtualHost, "/")
        XCTAssertEqual(configuration.heartbeat, 30)
        XCTAssertEqual(configuration.connectTimeout, 5)
        XCTAssertEqual(configuration.frameMax, 131_072)
        XCTAssertNil(configuration.connectionName)
    }

    func testFullURL() throws {
        let configuration = try AMQPConfiguration(
            url: "amqp://fleet%40ops:p%3As%2Fs@broker.example:5690/air%2Ffleet?heartbeat=10&connection_name=bookings%201&connection_timeout=2.5&frame_max=65536&rpc_timeout=7")
        XCTAssertEqual(configuration.user, "fleet@ops")
        XCTAssertEqual(configuration.password, "p:s/s")
        XCTAssertEqual(configuration.host, "broker.example")
        XCTAssertEqual(configuration.port, 5690)
        XCTAssertEqual(configuration.virtualHost, "air/fleet")
        XCTAssertEqual(configuration.heartbeat, 10)
        XCTAssertEqual(configuration.connectionName, "bookings 1")
        XCTAssertEqual(configuration.connectTimeout, 2.5)
        XCTAssertEqual(configuration.frameMax, 65_536)
        XCTAssertEqual(configuration.rpcTimeout, 7)
    }

    func testVirtualHostForms() throws {
        XCTAssertEqual(try AMQPConfiguration(url: "amqp://h").virtualHost, "/")
        XCTAssertEqual(try AMQPConfiguration(url: "amqp://h/").virtualHost, "/")
        XCTAssertEqual(try AMQPConfiguration(url: "amqp://h/%2F").virtualHost, "/")
        XCTAssertEqual(try AMQPConfiguration(url: "amqp://h/t-1234").virtualHost, "t-1234")
        XCTAssertThrowsError(try AMQPConfiguration(url: "amqp://h/a/b"))
    }

    func testIPv6Host() throws {
        let configuration = try AMQPConfiguration(url: "amqp://[::1]:5673/")
        XCTAssertEqual(configuration.host, "::1")
        XCTAssertEqual(configuration.port, 5673)
        XCTAssertEqual(configuration.redactedURL, "amqp://guest:***@[::1]:5673/")
    }

    func testRejectsWhatItCannotHonour() {
        assertConfigurationError("amqps://u:p@h/", mentions: "TLS")
        assertConfigurationError("http://h/", mentions: "scheme")
        assertConfigurationError("amqp://h/?heartbeat=soon", mentions: "heartbeat")
        assertConfigurationError("amqp://h/?connection_timeout=-1", mentions: "connection_timeout")
        assertConfigurationError("amqp://h/?frame_max=12", mentions: "frame_max")
        assertConfigurationError("amqp://h/?heartbeats=3", mentions: "unknown query parameter 'heartbeats'")
        assertConfigurationError("amqp://h:99999/", mentions: "port 99999")
        assertConfigurationError("not a url at all", mentions: "not a URL")
    }

    func testErrorsAboutAURLDoNotLeakItsPassword() {
        XCTAssertThrowsError(try AMQPConfiguration(url: "amqps://user:hunter2@h/")) { error in
            XCTAssertFalse("\(error)".contains("hunter2"), "\(error)")
        }
    }

    func testRedactedURLHidesThePassword() throws {
        let configuration = try AMQPConfiguration(url: "amqp://bob:secret@10.0.0.5:5690/air%2Ffleet")
        XCTAssertEqual(configuration.redactedURL, "amqp://bob:***@10.0.0.5:5690/air%2Ffleet")
        XCTAssertFalse(configuration.redactedURL.contains("secret"))
    }

    func testWithVirtualHostAndConnectionName() throws {
        let base = try AMQPConfiguration(url: "amqp://h/")
        let derived = base.withVirtualHost("other").withConnectionName("flights")
        XCTAssertEqual(derived.virtualHost, "other")
        XCTAssertEqual(derived.connectionName, "flights")
        XCTAssertEqual(base.virtualHost, "/")
        XCTAssertNotEqual(base, derived)
    }

    func testTheNodesOfAClusterAreACommaSeparatedListThatDiffersOnlyInHostAndPort() throws {
        let configuration = try AMQPConfiguration(
            url: "amqp://bob:secret@10.0.0.5:5672/fleet?heartbeat=10, amqp://bob:secret@10.0.0.6:5673/fleet?heartbeat=10,amqp://bob:secret@[::1]/fleet?heartbeat=10")
        XCTAssertEqual(configuration.nodes.map(\.description), ["10.0.0.5:5672", "10.0.0.6:5673", "[::1]:5672"])
        XCTAssertEqual(configuration.virtualHost, "fleet")
        XCTAssertEqual(configuration.heartbeat, 10)
        let second = configuration.connectingTo(configuration.otherNodes[0])
        XCTAssertEqual(second.nodes, [AMQPConfiguration.Node(host: "10.0.0.6", port: 5673)])
        XCTAssertEqual(second.redactedURL, "amqp://bob:***@10.0.0.6:5673/fleet")
        XCTAssertEqual(try AMQPConfiguration(url: "amqp://h:5672/").otherNodes, [])
    }

    func testAListWithABadEntryIsRefusedNamingTheEntryWithoutItsPassword() {
        assertConfigurationError("amqp://u:hunter2@a/,amqp://u:hunter2@b:99999/", mentions: "entry 2 'amqp://u:***@b:99999/' is not valid: port 99999")
        assertConfigurationError("amqp://a/,,amqp://b/", mentions: "entry 2 '' is empty")
        assertConfigurationError("amqp://u:p@a/,amqp://u:q@b/", mentions: "entry 2 'amqp://u:***@b/' differs from the first")
        assertConfigurationError("amqp://a/x,amqp://b/y", mentions: "same user, password, virtual host and settings")
        assertConfigurationError("amqp://a:5672/,amqp://A/", mentions: "entry 2 lists the node A:5672 again")
        XCTAssertThrowsError(try AMQPConfiguration(url: "amqp://u:hunter2@a/,amqp://u:hunter2@b:99999/")) { error in
            XCTAssertFalse("\(error)".contains("hunter2"), "\(error)")
        }
    }

    func testACommaInsideOneURLDoesNotMakeItAList() throws {
        let configuration = try AMQPConfiguration(url: "amqp://u:se,cret@h:5690/?connection_name=worker,1")
        XCTAssertEqual(configuration.password, "se,cret")
        XCTAssertEqual(configuration.connectionName, "worker,1")
        XCTAssertEqual(configuration.otherNodes, [])
        XCTAssertEqual(configuration.redactedURL, "amqp://u:***@h:5690/")
        XCTAssertEqual(redactingPassword(in: "amqp://u:se,cret@h/,amqp://u:se,cret@g/"), "amqp://u:***@h/,amqp://u:***@g/")
    }

    private func assertConfigurationError(_ url: String, mentions text: String, line: UInt = #line) {
        XCTAssertThrowsError(try AMQPConfiguration(url: url), line: line) { error in
            guard let error = error as? AMQPError else { return XCTFail("\(error) is not an AMQPError", line: line) }
            XCTAssertEqual(error.kind, .configuration, line: line)
            XCTAssertTrue(error.description.contains(text), "\(error.description) should mention \(text)", line: line)
        }
    }
}
