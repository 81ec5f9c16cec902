import Foundation
import XCTest

@testable import Fleet

/// How a consumer reads the time a message waited in its queue: no broker needed.
final class ConsumerMetricsTests: XCTestCase {
    func testTheQueueWaitIsReadFromATimeOrderedIdAndNoOtherId() {
        let id = UUID.timeOrdered(at: Date(timeIntervalSince1970: 1_796_639_088.5)).lowercasedString
        XCTAssertEqual(ConsumerMetrics.milliseconds(ofTimeOrdered: id), 1_796_639_088_500)
        XCTAssertNil(ConsumerMetrics.milliseconds(ofTimeOrdered: UUID.random().lowercasedString))
        XCTAssertNil(ConsumerMetrics.milliseconds(ofTimeOrdered: "broken-1"))
    }
}
