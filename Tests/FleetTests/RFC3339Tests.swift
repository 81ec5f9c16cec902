@testable import Fleet
import Foundation
import XCTest

/// Times in messages, against Foundation's ISO 8601 style, which they replaced on the hot path.
final class RFC3339Tests: XCTestCase {
    private let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    func testATimeIsWrittenAsFoundationWritesItToTheNearestMillisecondAndReadsBackAlike() throws {
        var generator = SystemRandomNumberGenerator()
        for index in 0..<20_000 {
            // Whole milliseconds, as times read from messages are, and arbitrary instants.
            let seconds = index.isMultiple(of: 2)
                ? Double(Int64.random(in: -12_000_000_000_000...253_000_000_000_000, using: &generator)) / 1000
                : Double.random(in: -12_000_000_000...253_000_000_000, using: &generator)
            let date = Date(timeIntervalSince1970: seconds)
            let text = FleetJSON.formatTimestamp(date)
            let foundation = date.formatted(style)
            let read = try XCTUnwrap(FleetJSON.parseTimestamp(text), text)
            XCTAssertEqual(read.timeIntervalSince1970, date.timeIntervalSince1970, accuracy: 0.000_6, text)
            XCTAssertEqual(FleetJSON.formatTimestamp(read), text, "a time read back is written alike")
            let fromFoundation = try style.parse(foundation)
            XCTAssertEqual(read.timeIntervalSince1970, fromFoundation.timeIntervalSince1970, accuracy: 0.001_1, "\(text) \(foundation)")
        }
    }

    func testEveryShapeFoundationReadsIsReadToTheSameInstant() throws {
        let texts = [
            "2026-11-23T04:00:00Z", "2026-11-23T04:00:00.1Z", "2026-11-23T04:00:00.123Z", "2026-11-23T04:00:00.123456Z",
            "2026-11-23T04:00:00.123456789Z", "2026-11-23T04:00:00+05:30", "2026-11-23T04:00:00.250-08:00",
            "2024-02-29T23:59:59.999+00:00", "1999-12-31T23:59:59-00:30", "9999-12-31T23:59:59.999Z", "1583-01-01T00:00:00Z",
            "1500-06-01T12:00:00Z", "0001-01-01T00:00:00Z",
        ]
        for text in texts {
            let read = try XCTUnwrap(FleetJSON.parseTimestamp(text), text)
            let foundation = try (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
                ?? Date.ISO8601FormatStyle().parse(text)
            XCTAssertEqual(read.timeIntervalSince1970, foundation.timeIntervalSince1970, accuracy: 0.001, text)
        }
        XCTAssertEqual(FleetJSON.parseTimestamp("2026-11-23T04:00:00+05:30")?.timeIntervalSince1970,
                       FleetJSON.parseTimestamp("2026-11-22T22:30:00Z")?.timeIntervalSince1970)
        // RFC 3339 allows the separators in lower case.
        XCTAssertEqual(FleetJSON.parseTimestamp("2026-11-23t04:00:00z"), FleetJSON.parseTimestamp("2026-11-23T04:00:00Z"))
    }

    func testWhatIsNoTimeIsRefused() {
        for text in ["", "yesterday", "2026-11-23", "2026-13-01T00:00:00Z", "2026-11-23T04:00:00", "2026-11-23T04:00:00.Z",
                     "2026-11-23 04:00:00Z"] {
            XCTAssertNil(FleetJSON.parseTimestamp(text), text)
        }
    }
}
