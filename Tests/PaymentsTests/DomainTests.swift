import Contracts
@testable import Payments
import XCTest

/// The pure parts of payments: test cards, the circuit breaker, backoff.
final class DomainTests: XCTestCase {
    func testTheSandboxCardsDoWhatTheReadmeSays() {
        XCTAssertEqual(SandboxCard.parse("tok_visa"), SandboxCard(behaviour: .approve, last4: "4242"))
        XCTAssertEqual(SandboxCard.parse("tok_mastercard").last4, "4444")
        XCTAssertEqual(SandboxCard.parse("tok_declined").behaviour, .decline(.cardDeclined))
        XCTAssertEqual(SandboxCard.parse("tok_insufficient_funds").behaviour, .decline(.insufficientFunds))
        XCTAssertEqual(SandboxCard.parse("tok_fail_3").behaviour, .failTransiently(times: 3))
        XCTAssertEqual(SandboxCard.parse("tok_timeout_2").behaviour, .timeOut(times: 2))
        XCTAssertEqual(SandboxCard.parse("tok_unavailable").behaviour, .unavailable)
        for unknown in ["tok_fail_0", "tok_fail_21", "tok_fail_x", "tok_timeout_", "card_4242", ""] {
            XCTAssertEqual(SandboxCard.parse(unknown), SandboxCard(behaviour: .decline(.invalidToken), last4: nil), unknown)
        }
    }

    func testATokenReferenceNeverHoldsTheWholeToken() {
        let token = "tok_live_9f8e7d6c5b4a39281706"
        let reference = SandboxCard.reference(of: token)
        XCTAssertEqual(reference, "tok_…1706")
        XCTAssertEqual(SandboxCard.reference(of: "tok_visa"), "tok_…")
    }

    func testTheBreakerOpensAfterFailuresInARowAndClosesAfterASuccessfulTrial() {
        let clock = FakeClock()
        let breaker = CircuitBreaker(failureThreshold: 3, coolDown: 10, clock: clock.now)
        XCTAssertTrue(breaker.allowsCall())
        breaker.recordFailure()
        breaker.recordFailure()
        breaker.recordSuccess()  // a success resets the count
        breaker.recordFailure()
        breaker.recordFailure()
        XCTAssertEqual(breaker.state, .closed(failures: 2))
        breaker.recordFailure()
        XCTAssertEqual(breaker.state, .open(until: clock.time.addingTimeInterval(10)))
        XCTAssertFalse(breaker.allowsCall())

        clock.advance(9.9)
        XCTAssertFalse(breaker.allowsCall())
        clock.advance(0.1)
        XCTAssertEqual(breaker.state, .halfOpen)
        XCTAssertTrue(breaker.allowsCall(), "one trial call")
        XCTAssertFalse(breaker.allowsCall(), "only one trial at a time")
        breaker.recordFailure()
        XCTAssertEqual(breaker.state, .open(until: clock.time.addingTimeInterval(10)), "a failed trial opens it again")

        clock.advance(10)
        XCTAssertTrue(breaker.allowsCall())
        breaker.recordSuccess()
        XCTAssertEqual(breaker.state, .closed(failures: 0))
        XCTAssertTrue(breaker.allowsCall())
        XCTAssertTrue(breaker.allowsCall())
    }

    func testBackoffGrowsExponentiallyUpToItsCapWithJitterBelowTheCeiling() {
        let policy = RetryPolicy(attempts: 6, base: 0.1, cap: 0.5)
        XCTAssertEqual((1...5).map { policy.ceiling(beforeRetry: $0) }, [0.1, 0.2, 0.4, 0.5, 0.5])
        var generator = SystemRandomNumberGenerator()
        let delays = (0..<200).map { _ in policy.delay(beforeRetry: 3, using: &generator) }
        XCTAssertTrue(delays.allSatisfy { (0...0.4).contains($0) })
        XCTAssertGreaterThan(Set(delays).count, 150, "jittered, not fixed")
    }

    func testGatewayCallsRetryWithinTheDeliveryAndFeedTheBreaker() {
        let breaker = CircuitBreaker(failureThreshold: 4, coolDown: 60)
        let calls = GatewayCalls(breaker: breaker, policy: RetryPolicy(attempts: 3, base: 0.001, cap: 0.001))
        var count = 0
        let recovered = calls.run("charge") { () throws(GatewayError) -> Int in
            count += 1
            if count < 3 { throw .unavailable("503") }
            return count
        }
        guard case .answered(3) = recovered else { return XCTFail("\(recovered)") }
        XCTAssertEqual(breaker.state, .closed(failures: 0))

        count = 0
        let down = calls.run("charge") { () throws(GatewayError) -> Int in
            count += 1
            throw .timedOut(after: .milliseconds(1))
        }
        guard case .failed(.timedOut) = down else { return XCTFail("\(down)") }
        XCTAssertEqual(count, 3)
        let stopped = calls.run("charge") { () throws(GatewayError) -> Int in
            count += 1
            throw .unavailable("503")
        }
        guard case .failed(.unavailable) = stopped else { return XCTFail("\(stopped)") }
        XCTAssertEqual(count, 4, "the breaker opened after the fourth failure in a row")
        guard case .circuitOpen = calls.run("charge", { () throws(GatewayError) -> Int in 1 }) else { return XCTFail("breaker open") }
    }
}

final class FakeClock: @unchecked Sendable {
    private(set) var time = Date(timeIntervalSince1970: 1_800_000_000)
    func advance(_ seconds: TimeInterval) { time = time.addingTimeInterval(seconds) }
    var now: @Sendable () -> Date { { [self] in time } }
}
