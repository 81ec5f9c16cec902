import Fleet
import Foundation
import XCTest

/// The ids the fleet gives messages and records: random version 4 UUIDs, or time-ordered version 7
/// ones where a B-tree index takes them; never the same twice.
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

    func testTimeOrderedIdsAreVersion7AndSortByTimeAsText() throws {
        // Half a millisecond in, so that no time lands on a millisecond's edge.
        let ids = (0..<5_000).map { UUID.timeOrdered(at: Date(timeIntervalSince1970: (1_795_000_000_123.5 + Double($0 / 10)) / 1000)) }
        XCTAssertEqual(Set(ids).count, ids.count)
        let texts = ids.map(\.lowercasedString)
        for text in texts.prefix(1_000) {
            XCTAssertEqual(Array(text)[14], "7", text)
            XCTAssertTrue("89ab".contains(Array(text)[19]), text)
        }
        // The millisecond is the first twelve hex digits, so the text sorts as the times do.
        XCTAssertTrue(texts.first!.hasPrefix("01a1ee56-5e7b-7"), texts.first!)
        let millisecondsOf = { (text: String) in Int(text.replacingOccurrences(of: "-", with: "").prefix(12), radix: 16)! }
        XCTAssertEqual(millisecondsOf(texts[0]), 1_795_000_000_123)
        XCTAssertEqual(millisecondsOf(texts[4_999]), 1_795_000_000_622)
        for (earlier, later) in zip(texts, texts.dropFirst()) where millisecondsOf(earlier) < millisecondsOf(later) {
            XCTAssertLessThan(earlier, later)
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
