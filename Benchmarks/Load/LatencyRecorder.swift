import Foundation
import Histogram

/// Latencies of one kind, recorded from many threads into one HdrHistogram in microseconds.
final class LatencyRecorder: @unchecked Sendable {
    private let lock = NSLock()
    // Up to an hour, three significant digits: a hang shows up as itself, not as an overflow.
    private var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)

    func record(_ elapsed: Duration) {
        let microseconds = UInt64(max(1, elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000))
        lock.withLock { _ = histogram.record(microseconds) }
    }

    var summary: LatencySummary {
        lock.withLock { LatencySummary(histogram) }
    }
}

/// What the figures report of a histogram, in milliseconds.
struct LatencySummary: Codable {
    var count: UInt64
    var p50: Double
    var p99: Double
    var max: Double

    init(_ histogram: Histogram<UInt64>) {
        count = histogram.totalCount
        p50 = histogram.totalCount == 0 ? 0 : Double(histogram.valueAtPercentile(50)) / 1000
        p99 = histogram.totalCount == 0 ? 0 : Double(histogram.valueAtPercentile(99)) / 1000
        max = histogram.totalCount == 0 ? 0 : Double(histogram.max) / 1000
    }

    var text: String { String(format: "p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d)", p50, p99, max, count) }
}
