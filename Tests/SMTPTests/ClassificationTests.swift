import CCurl
@testable import SMTP
import XCTest

/// How a failed exchange is sorted for the retry ladder.
final class ClassificationTests: XCTestCase {
    func testAServerRefusalDecidesEvenThoughCurlCallsItASendError() {
        let refused = SMTPMailer.classify(code: CURLE_SEND_ERROR, curlMessage: "RCPT failed: 550", replyCode: 221,
                                          refusal: SMTPReply(line: "550 5.1.1 mailbox unavailable"))
        XCTAssertEqual(refused.kind, .permanentReply)
        XCTAssertFalse(refused.isTransient)
        XCTAssertEqual(refused.replyCode, 550)
        XCTAssertTrue(refused.message.contains("550 5.1.1 mailbox unavailable"))

        let later = SMTPMailer.classify(code: CURLE_SEND_ERROR, curlMessage: "RCPT failed: 451", replyCode: 221,
                                        refusal: SMTPReply(line: "451 4.3.0 try again later"))
        XCTAssertEqual(later.kind, .temporaryReply)
        XCTAssertTrue(later.isTransient)
    }

    func testConnectionTimeoutAndSecurityFailuresMayPass() {
        for code in [CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_RECV_ERROR] {
            let failure = SMTPMailer.classify(code: code, curlMessage: "x", replyCode: 0, refusal: nil)
            XCTAssertEqual(failure.kind, .connection)
            XCTAssertTrue(failure.isTransient)
        }
        let login = SMTPMailer.classify(code: CURLE_LOGIN_DENIED, curlMessage: "Login denied", replyCode: 535,
                                        refusal: SMTPReply(line: "535 5.7.8 authentication failed"))
        XCTAssertEqual(login.kind, .security, "a refused login is this side's settings, not the message")
        XCTAssertTrue(login.message.contains("AIRFLEET_SMTP_URL"))
        XCTAssertTrue(login.isTransient)
    }

    func testReplyLinesAreRecognised() {
        XCTAssertEqual(SMTPReply(line: "550 5.1.1 mailbox unavailable")?.code, 550)
        XCTAssertNil(SMTPReply(line: "EHLO airfleet"))
        XCTAssertNil(SMTPReply(line: "99"))
    }
}
