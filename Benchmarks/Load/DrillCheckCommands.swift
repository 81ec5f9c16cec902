import ArgumentParser
import Foundation
import Synchronization

/// Options both checks of the drill take.
struct DrillCheckOptions: ParsableArguments {
    @Option(help: "The fleet's airfleet binary, for 'airfleet status --json'.") var airfleet: String
    @Option(help: "What 'airfleet-load drill' wrote.") var load: String
    @Option(help: "The id of the webhook endpoint the drill registered, whose deliveries it waits for and checks.") var webhook: String?
}

/// Waits until the drill's work is done: nothing queued, unacknowledged, on the retry ladder or
/// in an outbox, no email in doubt, and the drill's bookings all final and no longer changing.
struct QuietCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quiet",
        abstract: "Waits until the fleet has worked off the drill (ops/chaos); exits 1 if it has not by --timeout.",
        discussion: "Reads each context's database (AIRFLEET_DATABASE_URL, or AIRFLEET_<CONTEXT>_DATABASE_URL) and the broker through 'airfleet status --json'.")

    @OptionGroup var options: DrillCheckOptions
    @Option(help: "Seconds to wait at most.") var timeout = 600.0

    private struct StatusLine: Decodable, Equatable {
        var context: String
        var ready, unacknowledged, retrying, outbox: Int?
    }

    func run() throws {
        let load = try DrillRecord.read(options.load)
        let started = Date()
        var previous: [String]?
        var lastReport = 0.0
        while true {
            var busy: [String] = [], states: [String: Int] = [:]
            do {
                let database = try DrillDatabase()
                defer { database.close() }
                for line in try fleetStatus(options.airfleet, as: StatusLine.self) {
                    for (field, value) in [("ready", line.ready), ("unacknowledged", line.unacknowledged),
                                           ("retrying", line.retrying), ("outbox", line.outbox)] where (value ?? 0) > 0 {
                        busy.append("\(line.context) \(field) \(value!)")
                    }
                }
                for row in try database.rows(in: "bookings", "SELECT state, count(*) FROM bookings.bookings WHERE customer_id = ANY($1::uuid[]) GROUP BY 1",
                                             [load.customers]) {
                    states[row[0]] = Int(row[1]) ?? 0
                }
                // Emails whose sender died inside its SMTP exchange are sent again after the grace
                // period (AIRFLEET_EMAIL_RESEND_AFTER, 2 min by default): wait for them too.
                let inDoubt = try database.count(in: "notifications",
                    "SELECT count(*) FROM notifications.deliveries WHERE state = 'sending' AND customer_id = ANY($1::uuid[])", [load.customers])
                if inDoubt > 0 { busy.append("notifications emails in doubt \(inDoubt)") }
                // Deliveries still owed to the drill's endpoint: a retry, or one a killed sender
                // held, which is sent again once its hold on the endpoint runs out (60 s).
                if let webhook = options.webhook {
                    let owed = try database.count(in: "webhooks",
                        "SELECT count(*) FROM webhooks.webhook_deliveries WHERE webhook_id = $1::uuid AND state = 'pending'", [webhook])
                    if owed > 0 { busy.append("webhooks deliveries owed \(owed)") }
                }
            } catch {
                busy.append("not readable yet: \(String(describing: error).split(whereSeparator: \.isNewline).first ?? "")")
            }
            let open = states.filter { !finalBookingStates.contains($0.key) }
            let snapshot = busy + [describe(states)]
            let elapsed = Date().timeIntervalSince(started)
            if busy.isEmpty, open.isEmpty, snapshot == previous {
                progress("quiet after \(Int(elapsed)) s: bookings \(describe(states))", step: "quiet")
                return
            }
            previous = snapshot
            let doing = busy.isEmpty ? "queues empty" : busy.joined(separator: ", ")
            if elapsed > timeout {
                progress("not quiet after \(Int(timeout)) s: \(doing); bookings \(describe(states))", step: "quiet")
                throw ExitCode(1)
            }
            if elapsed - lastReport >= 15 {
                lastReport = elapsed
                progress("\(Int(elapsed)) s: \(doing); bookings \(describe(states))", step: "quiet")
            }
            Thread.sleep(forTimeInterval: 2)
        }
    }
}

/// Checks what the drill must leave behind, prints PASS or FAIL for each check and a summary,
/// and writes it all as JSON.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Checks what the fault drill (ops/chaos) left: bookings, seats, payments, emails, webhooks, the ingress's answers; exits 1 if a check fails.",
        discussion: "Reads each context's database: AIRFLEET_DATABASE_URL, or AIRFLEET_<CONTEXT>_DATABASE_URL.")

    @OptionGroup var options: DrillCheckOptions
    @Option(help: "The faults ops/chaos caused, one JSON object a line.") var faults: String
    @Option(help: "The SMTP sink's folder of .eml files.") var mailDir: String
    @Option(help: "The .eml files there before the drill, one name a line.") var mailBefore: String
    @Option(help: "Where the result goes, as JSON.") var out: String
    @Option(help: "Dead letters the drill replayed.") var replayed = 0
    @Option(help: "Dead letters there before the drill.") var deadBefore = 0
    @Option(help: "How long the whole drill took, seconds, for the summary.") var seconds = ""
    @Option(help: "The webhook receiver's log of requests, one JSON object a line (with --webhook).") var webhookLog: String?

    func validate() throws {
        guard (options.webhook == nil) == (webhookLog == nil) else {
            throw ValidationError("--webhook and --webhook-log go together: the endpoint's id and its receiver's log")
        }
    }

    func run() throws {
        let load = try DrillRecord.read(options.load)
        let faultList = try DrillFault.read(faults)
        // A database out of reach fails the checks that need it, and the result is still written.
        let connected = Result { try DrillDatabase() }
        defer { try? connected.get().close() }
        let verdicts = DrillVerdicts()
        var states: [String: Int] = [:]
        verdicts.run("bookings") { states = try BookingChecks.bookings(try connected.get(), load, verdicts) }
        verdicts.run("seats") { try BookingChecks.seats(try connected.get(), load, verdicts) }
        verdicts.run("payments") { try PaymentCheck.run(try connected.get(), load, verdicts) }
        verdicts.run("emails") {
            try EmailCheck.run(try connected.get(), load, faultList, mail: try SinkMail(folder: mailDir, before: mailBefore), verdicts)
        }
        if let webhook = options.webhook, let webhookLog {
            verdicts.run("webhooks") {
                try WebhookCheck.run(try connected.get(), load, faultList, webhookId: webhook, log: webhookLog, verdicts)
            }
        }
        var failover: [Double?] = []
        if !FailoverCheck.nodeKills(faultList).isEmpty {
            verdicts.run("failover") { failover = try FailoverCheck.run(try connected.get(), load, faultList, verdicts) }
        }
        IngressCheck.run(load, faultList, verdicts)

        var kinds: [String: Int] = [:]
        for fault in faultList where ["sigkill", "stop", "restart"].contains(fault.fault) {
            let target = fault.target.split(separator: "-").dropLast().joined(separator: "-")
            kinds["\(fault.fault) \(target.isEmpty ? fault.target : target)", default: 0] += 1
        }
        let loadSeconds = ((load.finishedAt - load.startedAt) * 10).rounded() / 10
        let summary: [String: Any] = [
            "run": load.run, "seconds": seconds, "requested": load.requested, "accepted": load.accepted,
            "confirmed": states["confirmed", default: 0], "failed": states["failed", default: 0], "expired": states["expired", default: 0],
            "faults": kinds, "failoverSeconds": failover.map { $0 as Any? ?? NSNull() }, "deadLettersBefore": deadBefore, "deadLettersReplayed": replayed, "loadSeconds": loadSeconds,
        ]
        let faultText = kinds.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        say("summary: \(load.requested) bookings sent, \(load.accepted) accepted, \(states["confirmed", default: 0]) confirmed, "
            + "\(states["failed", default: 0]) failed, \(states["expired", default: 0]) expired; load \(loadSeconds) s, drill \(seconds) s; "
            + "faults: \(faultText); dead letters replayed: \(replayed)"
            + (failover.isEmpty ? "" : "; failover \(failover.map { $0.map { "\($0) s" } ?? "none" }.joined(separator: ", "))"))
        say("chaos: \(verdicts.passed ? "PASS" : "FAIL") (\(verdicts.passedCount) of \(verdicts.checks.count) checks passed)")
        let result: [String: Any] = ["passed": verdicts.passed, "summary": summary, "checks": verdicts.checks,
                                     "faults": try DrillFault.raw(faults)]
        try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: out))
        if !verdicts.passed { throw ExitCode(1) }
    }
}

/// The lines of `airfleet status --json`, one a context. A status that does not come within a
/// minute is an error, as the checks would otherwise wait for it forever.
func fleetStatus<Line: Decodable>(_ airfleet: String, as: Line.Type) throws -> [Line] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: airfleet)
    process.arguments = ["status", "--json"]
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    let ended = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in ended.signal() }
    try process.run()
    // Both pipes at once: a child that fills the one not being read would wait on it forever.
    let complaint = Mutex(Data())
    let drained = DispatchGroup()
    DispatchQueue.global().async(group: drained) {
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        complaint.withLock { $0 = data }
    }
    let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
    let text = output.fileHandleForReading.readDataToEndOfFile()
    drained.wait()
    ended.wait()
    watchdog.cancel()
    guard process.terminationReason == .exit, process.terminationStatus == 0 else {
        let said = complaint.withLock { String(decoding: $0.prefix(300), as: UTF8.self) }
        throw DrillCheckError(process.terminationReason == .exit
            ? "airfleet status failed: \(said)" : "airfleet status gave no answer within 60 s")
    }
    let decoder = JSONDecoder()
    return try text.split(separator: UInt8(ascii: "\n")).filter { !$0.isEmpty }.map { try decoder.decode(Line.self, from: Data($0)) }
}
