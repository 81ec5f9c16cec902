import Fleet
import Foundation
import XCTest

/// The ids the fleet gives messages and records: random version 4 UUIDs, never the same twice.
final class RandomUUIDTests: XCTestCase {
    func testIdsAreVersion4AndDistinctAcrossManyRefills() {
        let ids = (0..<10_000).map { _ in UUID.random() }
        XCTAssertEqual(Set(ids).count, ids.count)
        for id in ids.prefix(1_000) {
            let text = id.lowercasedString
            XCTAssertEqual(Array(text)[14], "4", text)
            XCTAssertTrue("89ab".contains(Array(text)[19]), text)
        }
    }

    func testIdsDrawnOnManyThreadsAtOnceAreDistinct() {
        final class Collected: @unchecked Sendable {
            let lock = NSLock()
            var ids: [UUID] = []
        }
        let collected = Collected()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let mine = (0..<2_000).map { _ in UUID.random() }
            collected.lock.lock()
            collected.ids += mine
            collected.lock.unlock()
        }
        XCTAssertEqual(Set(collected.ids).count, 16_000)
    }
}
