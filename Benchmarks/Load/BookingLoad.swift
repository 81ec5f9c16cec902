import Fleet
import Foundation

/// Books one economy seat per request through the ingress, from `connections` threads, either as
/// fast as the answers come (closed loop) or at a fixed offered rate (open loop). In the open
/// loop each request is timed from when it was due, not from when a free thread sent it, so a
/// stall counts in full instead of hiding behind the requests it held back.
final class BookingLoad: @unchecked Sendable {
    struct Plan {
        var host = "127.0.0.1"
        var port = 8099
        var token = ""
        var flights: [String] = []
        var connections = 32
        var rate: Double?
        var duration: Duration = .seconds(10)
        var timeout = 30.0
        /// Sends `Prefer: wait=N`: each answer then comes when the booking is final, so a
        /// closed loop keeps one booking per connection in the system instead of a growing backlog.
        var preferWait: Int?
    }

    let plan: Plan
    let answerLatency = LatencyRecorder()
    private let watcher: ConfirmationWatcher
    private let lock = NSLock()
    private var nextIndex = 0
    private var statuses: [String: Int] = [:]

    init(plan: Plan, watcher: ConfirmationWatcher) {
        self.plan = plan
        self.watcher = watcher
    }

    /// Runs the load for the plan's duration; returns when every client thread has stopped.
    func run(from start: ContinuousClock.Instant) -> [String: Int] {
        let end = start + plan.duration
        let group = DispatchGroup()
        for _ in 0..<plan.connections {
            group.enter()
            let thread = Thread { [self] in
                client(start: start, end: end)
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        return lock.withLock { statuses }
    }

    private func claim() -> Int {
        lock.withLock {
            defer { nextIndex += 1 }
            return nextIndex
        }
    }

    private func count(_ outcome: String) {
        lock.withLock { statuses[outcome, default: 0] += 1 }
    }

    private func client(start: ContinuousClock.Instant, end: ContinuousClock.Instant) {
        let connection = HTTPConnection(host: plan.host, port: plan.port, timeout: plan.timeout)
        defer { connection.close() }
        while true {
            let index = claim()
            let due: ContinuousClock.Instant
            if let rate = plan.rate {
                due = start + .seconds(Double(index) / rate)
                guard due < end else { return }
                let wait = due - ContinuousClock.now
                if wait > .zero { Thread.sleep(forTimeInterval: wait.seconds) }
            } else {
                due = ContinuousClock.now
                guard due < end else { return }
            }
            let requestId = UUID().lowercasedString
            watcher.expect(requestId, sentAt: due)
            do {
                let response = try connection.send(request(index: index, requestId: requestId))
                answerLatency.record(ContinuousClock.now - due)
                count(String(response.status))
                if !(200..<300).contains(response.status) { watcher.forget(requestId) }
            } catch let failure as HTTPConnection.Failure {
                watcher.forget(requestId)
                count(failure.timedOut ? "timeout" : "connection error")
            } catch {
                watcher.forget(requestId)
                count("connection error")
            }
        }
    }

    private func request(index: Int, requestId: String) -> [UInt8] {
        let flight = plan.flights[index % plan.flights.count]
        let body = #"{"flightId":"\#(flight)","cabin":"economy","paymentToken":"tok_visa","passengers":[{"firstName":"Bench","lastName":"Mark","dateOfBirth":"1990-01-01"}]}"#
        var headers = ["Authorization": "Bearer \(plan.token)", "X-Request-ID": requestId, "Idempotency-Key": requestId]
        if let wait = plan.preferWait { headers["Prefer"] = "wait=\(wait)" }
        return HTTPConnection.post("/v1/bookings", host: plan.host, port: plan.port, headers: headers, json: Array(body.utf8))
    }
}
