import Foundation
import Synchronization

/// One booking of the drill as the checks read it.
struct DrillBooking: Sendable {
    let key, customerId, flightId: String
    var attempts = 0
    var accepted = false
    var lastStatus: String?
    var acceptedAt: Double?
    var bookingId, pnr, refusal: String?
    var gaveUp = false

    var json: [String: Any] {
        var object: [String: Any] = ["key": key, "customerId": customerId, "flightId": flightId, "attempts": attempts,
                                     "accepted": accepted]
        // A status is a number, an error without one its name, as the checks compare them.
        object["lastStatus"] = lastStatus.map { Int($0).map { $0 as Any } ?? $0 as Any }
        if let acceptedAt { object["acceptedAt"] = (acceptedAt * 1000).rounded() / 1000 }
        if let bookingId { object["bookingId"] = bookingId }
        if let pnr { object["pnr"] = pnr }
        if let refusal { object["refusal"] = refusal }
        if gaveUp { object["gaveUp"] = true }
        return object
    }
}

/// Every answer of the drill, counted by status or error, with the unusual ones kept with
/// their time.
final class DrillTally: Sendable {
    private struct Counts {
        var statuses: [String: Int] = [:]
        var unavailableWithRetryAfter = 0, unavailableWithoutRetryAfter = 0, timeouts = 0, connectionErrors = 0
        var events: [[String: any Sendable]] = []
    }

    private let counts = Mutex(Counts())

    func record(_ answer: DrillClient.Answer, key: String) {
        let at = (Date().timeIntervalSince1970 * 1000).rounded() / 1000
        let retryAfter = answer.response?.header("Retry-After")
        let detail = answer.text
        counts.withLock { counts in
            guard let status = answer.status else {
                if answer.error == "timeout" { counts.timeouts += 1 } else { counts.connectionErrors += 1 }
                counts.events.append(["at": at, "key": key, "error": answer.error ?? "connection", "detail": String(answer.detail.prefix(200))])
                return
            }
            counts.statuses[String(status), default: 0] += 1
            guard ![200, 201, 202].contains(status) else { return }
            var event: [String: any Sendable] = ["at": at, "key": key, "status": status]
            if status == 429 || status == 503 {
                event["retryAfter"] = retryAfter
                if status == 503 {
                    if retryAfter != nil { counts.unavailableWithRetryAfter += 1 } else { counts.unavailableWithoutRetryAfter += 1 }
                }
            } else {
                event["detail"] = detail
            }
            counts.events.append(event)
        }
    }

    var summary: [String: Any] {
        counts.withLock { counts in
            [
                "statuses": counts.statuses,
                "unavailable": ["withRetryAfter": counts.unavailableWithRetryAfter, "withoutRetryAfter": counts.unavailableWithoutRetryAfter],
                "internalErrors": counts.statuses["500"] ?? 0,
                "otherServerErrors": counts.statuses.filter { $0.key.hasPrefix("5") && $0.key != "500" && $0.key != "503" },
                "timeouts": counts.timeouts,
                "connectionErrors": counts.connectionErrors,
                "events": counts.events.map { $0.mapValues { $0 as Any } },
            ]
        }
    }

    var line: String {
        counts.withLock { "statuses \($0.statuses.sorted { $0.key < $1.key }), timeouts \($0.timeouts), connection errors \($0.connectionErrors)" }
    }
}

/// The drill's results file, which `airfleet-load quiet` and `verify` read (`DrillRecord`).
struct DrillReport {
    let run, base: String
    let started, finished: Date
    let requested: Int
    let rate: Double
    let customers: [String]
    let tally: DrillTally
    let bookings: [DrillBooking]

    var accepted: Int { bookings.filter(\.accepted).count }

    func write(to path: String) throws {
        var report: [String: Any] = [
            "run": run, "base": base, "requested": requested, "rate": rate, "customers": customers,
            "startedAt": (started.timeIntervalSince1970 * 1000).rounded() / 1000,
            "finishedAt": (finished.timeIntervalSince1970 * 1000).rounded() / 1000,
            "accepted": accepted,
            "refused": bookings.filter { !$0.accepted && $0.refusal != nil }.count,
            "gaveUp": bookings.filter(\.gaveUp).count,
            "withPnr": bookings.filter { $0.pnr != nil }.count,
            "bookings": bookings.map(\.json),
        ]
        report.merge(tally.summary) { $1 }
        try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
    }
}
