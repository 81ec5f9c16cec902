import Foundation
import HTTPDelivery
import TestServers
import XCTest

/// Deliveries through libcurl to a real HTTP receiver (Python's http.server) that checks the
/// Standard Webhooks signature itself, with its own HMAC.
final class HTTPPosterTests: XCTestCase {
    var receiver: WebhookReceiverProcess!
    let secret = WebhookSecret.generate()
    let poster = HTTPPoster(settings: .init(connectTimeout: .seconds(2), totalTimeout: .seconds(2), allowPrivateAddresses: true))

    override func setUpWithError() throws {
        receiver = try WebhookReceiverProcess(secrets: [secret.text])
    }

    override func tearDown() {
        receiver?.stop()
    }

    private func signed(_ path: String, id: String = "msg-1", body: String = #"{"type":"booking.confirmed.v1"}"#,
                        secrets: [WebhookSecret]? = nil) -> HTTPDeliveryRequest {
        let signature = StandardWebhookSignature(id: id, timestamp: Int(Date().timeIntervalSince1970), body: Data(body.utf8),
                                                 secrets: secrets ?? [secret])
        return HTTPDeliveryRequest(url: receiver.url(path), body: Data(body.utf8), contentType: "application/cloudevents+json",
                                   headers: signature.headers)
    }

    func testASignedDeliveryVerifiesAtTheReceiver() throws {
        let result = poster.post(signed("/ok"))
        XCTAssertEqual(result, .answered(status: 200, excerpt: "ok"))
        XCTAssertEqual(result.verdict, .delivered)
        let request = try XCTUnwrap(receiver.requests().first)
        XCTAssertEqual(request.signatureValid, true)
        XCTAssertEqual(request.id, "msg-1")
        XCTAssertEqual(request.contentType, "application/cloudevents+json")
        XCTAssertEqual(request.body, #"{"type":"booking.confirmed.v1"}"#)

        // Signed with another secret only, it does not verify; with both (a rotation), it does.
        let other = WebhookSecret.generate()
        _ = poster.post(signed("/ok", id: "msg-2", secrets: [other]))
        _ = poster.post(signed("/ok", id: "msg-3", secrets: [other, secret]))
        XCTAssertEqual(try receiver.requests().map(\.signatureValid), [true, false, true])
    }

    func testServerErrorsAreRetriedAndTheSameIdArrivesUntilOneSucceeds() throws {
        let verdicts = (1...3).map { _ in poster.post(signed("/flaky/a", id: "msg-flaky")).verdict }
        XCTAssertEqual(verdicts, [.retry("the endpoint answered 500: try again later"), .retry("the endpoint answered 500: try again later"), .delivered])
        XCTAssertEqual(Set(try receiver.requests().map(\.id)), ["msg-flaky"], "the receiver's dedupe key is stable")
    }

    func testAHangingEndpointTimesOutAsARetry() {
        let started = Date()
        let result = poster.post(signed("/hang"))
        guard case .failed(.timeout, let reason) = result else { return XCTFail("\(result)") }
        XCTAssertTrue(reason.hasPrefix("no answer in time"), reason)
        XCTAssertLessThan(Date().timeIntervalSince(started), 6, "the total timeout bounds the attempt")
        XCTAssertEqual(result.verdict, .retry(reason))
    }

    func testClientErrorsAndRedirectsAreRefusedWithTheStatusAndTheBody() throws {
        XCTAssertEqual(poster.post(signed("/gone")).verdict, .refused(#"the endpoint answered 410: {"error":"this endpoint is retired"}"#))
        XCTAssertEqual(poster.post(signed("/redirect")).verdict, .refused("the endpoint answered 302, a redirect, which is not followed"))
        XCTAssertEqual(poster.post(signed("/too-many")).verdict, .retry("the endpoint answered 429: slow down"))
        XCTAssertEqual(try receiver.requests().map(\.path), ["/gone", "/redirect", "/too-many"], "the redirect's target was never asked")
    }

    func testPrivateAddressesAreRefusedBeforeAnyConnection() throws {
        let guarded = HTTPPoster(settings: .init(connectTimeout: .seconds(2), totalTimeout: .seconds(2)))
        for url in [receiver.url("/ok"), "http://localhost:\(receiver.port)/ok", "http://[::ffff:127.0.0.1]:\(receiver.port)/ok"] {
            var request = signed("/ok")
            request.url = url
            let result = guarded.post(request)
            guard case .failed(.forbiddenAddress, let reason) = result else { XCTFail("\(url): \(result)"); continue }
            XCTAssertTrue(reason.contains("127.0.0.1") || reason.contains("::1") || reason.contains("::ffff:127.0.0.1"), reason)
            guard case .refused = result.verdict else { return XCTFail("\(result.verdict)") }
        }
        XCTAssertEqual(try receiver.requests(), [], "nothing reached the receiver")
    }

    func testAnEndpointThatIsNotListeningIsARetryAndABadURLIsRefused() throws {
        var closed = signed("/ok")
        closed.url = "http://127.0.0.1:\(try freeLocalPort())/ok"
        guard case .failed(.connection, let reason) = poster.post(closed) else { return XCTFail() }
        XCTAssertTrue(reason.hasPrefix("cannot reach the endpoint"), reason)

        var ftp = signed("/ok")
        ftp.url = "ftp://127.0.0.1/ok"
        XCTAssertEqual(poster.post(ftp), .failed(.invalidURL, reason: "the endpoint URL must use http or https, not ftp"))
    }
}
