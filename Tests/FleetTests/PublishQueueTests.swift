import XCTest

@testable import Fleet

/// What a sender keeps across a lost connection: no broker needed.
final class PublishQueueTests: XCTestCase {
    func testABatchPutBackGoesOutFirstInItsOrderAndOnlyWhatIsPastItsDeadlineIsGivenUp() {
        let queue = PublishQueue<String>()
        let now = ContinuousClock.now
        queue.append("a", deadline: now + .seconds(5))
        queue.append("b", deadline: now + .seconds(1))
        let batch = queue.takeAll()
        queue.append("c", deadline: now + .seconds(5))
        queue.putBack(batch)
        XCTAssertEqual(queue.expire(at: now + .seconds(2)).map(\.job), ["b"])
        XCTAssertEqual(queue.takeAll().map(\.job), ["a", "c"])
        XCTAssertEqual(queue.takeAll().map(\.job), [])
    }
}
