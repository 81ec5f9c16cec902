import Foundation

/// The checks' results, printed as they come (`PASS  name: detail`) and kept for the result file.
final class DrillVerdicts {
    private(set) var checks: [[String: Any]] = []
    private(set) var passedCount = 0

    var passed: Bool { passedCount == checks.count }

    func add(_ name: String, passed: Bool, _ detail: String, facts: [String: Any] = [:]) {
        checks.append(facts.merging(["check": name, "passed": passed, "detail": detail]) { $1 })
        if passed { passedCount += 1 }
        say("\(passed ? "PASS" : "FAIL")  \(name): \(detail)")
    }

    /// Runs one check; one that cannot be run fails with the reason.
    func run(_ name: String, _ check: () throws -> Void) {
        do { try check() } catch { add(name, passed: false, "could not be checked: \(error)") }
    }
}

/// What the ingress answered through the faults: no 500, no hang, 503 with Retry-After while
/// the broker was away.
enum IngressCheck {
    static func run(_ load: DrillRecord, _ faults: [DrillFault], _ verdicts: DrillVerdicts) {
        var problems: [String] = []
        if load.internalErrors > 0 { problems.append("\(load.internalErrors) answers 500") }
        if load.timeouts > 0 { problems.append("\(load.timeouts) requests without an answer within the client timeout (hangs)") }
        if load.connectionErrors > 0 { problems.append("\(load.connectionErrors) connection errors") }
        if load.unavailable.withoutRetryAfter > 0 {
            problems.append("\(load.unavailable.withoutRetryAfter) answers 503 without Retry-After")
        }
        if !load.otherServerErrors.isEmpty { problems.append("other server errors \(describe(load.otherServerErrors))") }
        let windows = brokerOutages(faults)
        let during = load.events.filter { event in windows.contains { $0.lowerBound <= event.at && event.at <= $0.upperBound + 5 } }
        let unavailable = during.filter { $0.status == 503 && $0.hasRetryAfter }
        if !windows.isEmpty, unavailable.isEmpty {
            problems.append("no 503 with Retry-After while the broker was away (was the load running then?)")
        }
        let unexpected = load.events.filter { event in
            guard let status = event.status else { return true }
            return !(status == 429 || (status == 503 && event.hasRetryAfter))
        }
        let away = windows.reduce(0) { $0 + $1.upperBound - $1.lowerBound }
        let outage = windows.isEmpty ? ""
            : "; \(unavailable.count) answers 503 with Retry-After while the broker was away (\(Int(away.rounded())) s)"
        var detail = problems.isEmpty
            ? "statuses \(describe(load.statuses))\(outage); no 500, no hang"
            : problems.joined(separator: "; ")
        if !unexpected.isEmpty {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            detail += "; e.g. " + sample(unexpected.map { String(decoding: (try? encoder.encode($0)) ?? Data(), as: UTF8.self) }, 3)
        }
        verdicts.add("ingress", passed: problems.isEmpty, detail,
                     facts: ["statuses": load.statuses, "unavailableWhileBrokerAway": unavailable.count])
    }

    /// From the stop of each RabbitMQ outage the drill caused to its start again.
    static func brokerOutages(_ faults: [DrillFault]) -> [ClosedRange<Double>] {
        var windows: [ClosedRange<Double>] = []
        var began: Double?
        for fault in faults where fault.target == "rabbitmq" {
            if fault.fault == "stop" {
                began = fault.at
            } else if fault.fault == "started", let start = began {
                // A clock stepped back between the two still leaves an outage to look in.
                windows.append(min(start, fault.at)...max(start, fault.at))
                began = nil
            }
        }
        return windows
    }
}

/// A line on standard output at once, not when a buffer fills: the drill's log interleaves it
/// with what goes to standard error.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
