import Foundation
@testable import HTTPDelivery
import XCTest

/// The rules of a delivery without any network: signatures, addresses, verdicts, URLs.
final class SigningAndRulesTests: XCTestCase {
    /// The Standard Webhooks specification's own example.
    func testTheSignatureMatchesTheSpecificationsExample() throws {
        let secret = try WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let signature = StandardWebhookSignature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330,
                                                 body: Data(#"{"test": 2432232314}"#.utf8), secrets: [secret])
        XCTAssertEqual(signature.signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        XCTAssertEqual(signature.headers.map(\.name), ["webhook-id", "webhook-timestamp", "webhook-signature"])
        XCTAssertEqual(signature.headers[1].value, "1614265330")
    }

    func testDuringARotationBothSecretsSign() throws {
        let old = try WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), new = WebhookSecret.generate()
        let both = StandardWebhookSignature(id: "m", timestamp: 1, body: Data("{}".utf8), secrets: [new, old])
        let parts = both.signature.split(separator: " ").map(String.init)
        XCTAssertEqual(parts.count, 2)
        XCTAssertEqual(parts[0], StandardWebhookSignature(id: "m", timestamp: 1, body: Data("{}".utf8), secrets: [new]).signature)
        XCTAssertEqual(parts[1], StandardWebhookSignature(id: "m", timestamp: 1, body: Data("{}".utf8), secrets: [old]).signature)
    }

    func testSecretsAreWhsecAndBase64AndNeverShown() throws {
        let secret = WebhookSecret.generate()
        XCTAssertTrue(secret.text.hasPrefix("whsec_"))
        XCTAssertEqual(Data(base64Encoded: String(secret.text.dropFirst(6)))?.count, 32)
        XCTAssertNotEqual(secret, WebhookSecret.generate())
        XCTAssertEqual("\(secret)", "whsec_<redacted>")
        XCTAssertEqual(try WebhookSecret(String(secret.text.dropFirst(6))), secret, "the prefix may be left out")
        for bad in ["", "whsec_", "whsec_not base64!", "whsec_" + Data(count: 8).base64EncodedString()] {
            XCTAssertThrowsError(try WebhookSecret(bad), bad)
        }
    }

    func testForbiddenAddresses() {
        for forbidden in ["127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
                          "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1",
                          "::1", "::", "fe80::1", "fd00::1", "fc12::3", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1",
                          "not an address", ""] {
            XCTAssertTrue(DestinationAddress.isForbidden(forbidden), forbidden)
        }
        for allowed in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "100.128.0.1",
                        "2606:2800:220:1:248:1893:25c8:1946", "2001:4860:4860::8888", "::ffff:93.184.216.34"] {
            XCTAssertFalse(DestinationAddress.isForbidden(allowed), allowed)
        }
    }

    func testVerdicts() {
        XCTAssertEqual(HTTPDeliveryResult.answered(status: 204, excerpt: "").verdict, .delivered)
        XCTAssertEqual(HTTPDeliveryResult.answered(status: 503, excerpt: "busy").verdict, .retry("the endpoint answered 503: busy"))
        XCTAssertEqual(HTTPDeliveryResult.answered(status: 408, excerpt: "").verdict, .retry("the endpoint answered 408"))
        XCTAssertEqual(HTTPDeliveryResult.answered(status: 429, excerpt: "").verdict, .retry("the endpoint answered 429"))
        XCTAssertEqual(HTTPDeliveryResult.answered(status: 410, excerpt: "gone").verdict, .refused("the endpoint answered 410: gone"))
        XCTAssertEqual(HTTPDeliveryResult.answered(status: 301, excerpt: "").verdict,
                       .refused("the endpoint answered 301, a redirect, which is not followed"))
        XCTAssertEqual(HTTPDeliveryResult.failed(.timeout, reason: "late").verdict, .retry("late"))
        XCTAssertEqual(HTTPDeliveryResult.failed(.connection, reason: "refused").verdict, .retry("refused"))
        XCTAssertEqual(HTTPDeliveryResult.failed(.forbiddenAddress, reason: "private").verdict, .refused("private"))
    }

    func testEndpointURLs() {
        XCTAssertNil(endpointURLProblem("https://hooks.example.com/airfleet?tenant=7"))
        XCTAssertNil(endpointURLProblem("http://127.0.0.1:8080/hook"))
        XCTAssertEqual(endpointURLProblem("ftp://example.com/x"), "must use http or https, not ftp")
        XCTAssertEqual(endpointURLProblem("example.com/hook"), "must be an absolute http or https URL, such as https://example.com/hooks")
        XCTAssertEqual(endpointURLProblem("https:///hook"), "must name a host")
        XCTAssertEqual(endpointURLProblem("https://user:pw@example.com/"), "must not carry a user name or password; the signature authenticates deliveries")
        XCTAssertEqual(endpointURLProblem("file:///etc/passwd"), "must use http or https, not file")
    }
}
