import Fleet
import Foundation
import XCTest

/// The threads that run a batch's blocking calls side by side.
final class BlockingCallThreadsTests: XCTestCase {
    func testCallsRunSideBySideAtMostWidthAtOnceOnThreadsKeptBetweenBatches() {
        let threads = BlockingCallThreads(width: 4, name: "test-calls")
        let watch = CallWatch()
        for batch in 0..<3 {
            let items = Array(0..<20)
            let results = threads.map(items) { item in
                watch.begin()
                Thread.sleep(forTimeInterval: 0.005)
                watch.end()
                return item * 10 + batch
            }
            XCTAssertEqual(results, items.map { $0 * 10 + batch }, "results in the items' order")
        }
        XCTAssertLessThanOrEqual(watch.mostAtOnce, 4)
        XCTAssertGreaterThan(watch.mostAtOnce, 1, "the calls overlap")
        XCTAssertEqual(watch.threads.count, 4, "three batches ran on the same four threads")
    }

    func testOneItemRunsOnTheCallersThread() {
        let threads = BlockingCallThreads(width: 4, name: "test-single")
        let caller = Thread.current
        XCTAssertEqual(threads.map([7]) { item -> Bool in Thread.current == caller && item == 7 }, [true])
    }
}

private final class CallWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var running = 0
    private(set) var mostAtOnce = 0
    private(set) var threads: Set<UInt> = []

    func begin() {
        lock.withLock {
            running += 1
            mostAtOnce = max(mostAtOnce, running)
            threads.insert(UInt(pthread_self()))
        }
    }

    func end() { lock.withLock { running -= 1 } }
}
