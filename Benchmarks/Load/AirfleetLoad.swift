import AMQP
import ArgumentParser
import Fleet
import Foundation
import Logging

/// The load side of ops/bench and ops/chaos: HTTP booking load with HdrHistogram latencies, the
/// fault drill's booking load and its checks, and the results file that ops/bench collects
/// every figure in and prints as a table.
@main
struct AirfleetLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "airfleet-load",
        abstract: "Booking load through the ingress (for ops/bench and ops/chaos), the fault drill's checks, and the table of benchmark results.",
        subcommands: [BookingsLoadCommand.self, DrillLoadCommand.self, QuietCommand.self, VerifyCommand.self,
                      RecordCommand.self, ReportCommand.self])
}

struct BookingsLoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bookings",
        abstract: "POST /v1/bookings from many connections; times each answer and each booking.confirmed.",
        discussion: """
            Needs AIRFLEET_AMQP_URL (the fleet's broker, to see the final events) and a bearer token \
            in AIRFLEET_BENCH_TOKEN. Each request carries its own X-Request-ID, which the fleet keeps \
            as the correlation id of everything the booking causes. Prints one summary line and, \
            with --results, appends the figures to the results file.
            """)

    @Option(help: "The ingress's port on 127.0.0.1.") var port = 8099
    @Option(help: "A file of flight ids, one per line; requests go to them in turn.") var flights: String
    @Option(help: "Client connections, one thread each.") var connections = 32
    @Option(help: "Offered requests per second (open loop); without it, as fast as answers come.") var rate: Double?
    @Option(help: "Seconds of load.") var duration = 10.0
    @Option(help: "Seconds to wait after the load for bookings still in flight.") var drain = 30.0
    @Option(help: "Send 'Prefer: wait=N': each answer comes when its booking is final (at most N seconds).") var wait: Int?
    @Option(help: "Results file (JSON lines) to append the figures to.") var results: String?
    @Option(help: "The benchmark's name in the results file.") var benchmark = "bookings"
    @Option(name: .customLong("target"), help: "A figure's target, e.g. 'confirmed/s>=1000' or 'answer p99<=20' (repeatable).")
    var targets: [String] = []

    func validate() throws {
        for target in targets where Self.target(target) == nil {
            throw ValidationError("--target '\(target)' must be a figure's name, then '>=' or '<=', then a number")
        }
    }

    static func target(_ text: String) -> (metric: String, target: String)? {
        guard let range = text.range(of: ">=") ?? text.range(of: "<="), Target(String(text[range.lowerBound...])) != nil else { return nil }
        return (text[..<range.lowerBound].trimmingCharacters(in: .whitespaces), String(text[range.lowerBound...]))
    }

    func run() throws {
        guard let token = ProcessInfo.processInfo.environment["AIRFLEET_BENCH_TOKEN"], !token.isEmpty else {
            throw ValidationError("set AIRFLEET_BENCH_TOKEN to a customer's or admin's access token")
        }
        let flightIds = try String(contentsOfFile: flights, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        guard !flightIds.isEmpty else { throw ValidationError("\(flights) lists no flights") }
        let amqp = try AMQPConfiguration(url: ProcessInfo.processInfo.environment["AIRFLEET_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/")
        var logger = Logger(label: "airfleet-load")
        logger.logLevel = .warning
        let watcher = try ConfirmationWatcher(amqp: amqp, logger: logger)
        watcher.start()
        let plan = BookingLoad.Plan(port: port, token: token, flights: flightIds, connections: connections,
                                    rate: rate, duration: .seconds(duration), timeout: Double(max(30, (wait ?? 0) + 10)),
                                    preferWait: wait)
        let load = BookingLoad(plan: plan, watcher: watcher)
        let start = ContinuousClock.now
        let statuses = load.run(from: start)
        let loadEnded = ContinuousClock.now
        watcher.drain(timeout: .seconds(drain))
        try watcher.stop()

        let answer = load.answerLatency.summary
        let confirmed = watcher.confirmedLatency.summary
        let sustained = Double(watcher.confirmations(in: start..<loadEnded)) / (loadEnded - start).seconds
        let outcome = BookingLoadOutcome(
            offeredRate: rate, connections: connections, durationSeconds: duration,
            statuses: statuses, answer: answer, confirmed: confirmed, confirmedPerSecond: sustained,
            finalEvents: watcher.finalCounts, unsettled: watcher.unsettled)
        print(outcome.text)
        if let results {
            let file = ResultsFile(path: results)
            let goals = Dictionary(targets.compactMap(Self.target), uniquingKeysWith: { $1 })
            let figures: [(String, Double, String)] = [
                ("confirmed/s", sustained, "/s"),
                ("answer p50", answer.p50, "ms"), ("answer p99", answer.p99, "ms"), ("answer max", answer.max, "ms"),
                ("confirmed p50", confirmed.p50, "ms"), ("confirmed p99", confirmed.p99, "ms"), ("confirmed max", confirmed.max, "ms"),
                ("unsettled", Double(watcher.unsettled), "bookings"),
            ]
            for (metric, value, unit) in figures {
                try file.append(benchmark, metric, value, unit: unit, target: goals[metric])
            }
        }
    }
}

struct BookingLoadOutcome: Codable {
    var offeredRate: Double?
    var connections: Int
    var durationSeconds: Double
    var statuses: [String: Int]
    var answer: LatencySummary
    var confirmed: LatencySummary
    var confirmedPerSecond: Double
    var finalEvents: [String: Int]
    var unsettled: Int

    var text: String {
        let offered = offeredRate.map { String(format: "%.0f/s offered", $0) } ?? "closed loop"
        let codes = statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        let finals = finalEvents.sorted { $0.key < $1.key }.map { "\($0.key.split(separator: ".")[1]): \($0.value)" }.joined(separator: ", ")
        return String(format: "%@, %d connections, %.0f s: %.1f confirmed/s; answers [%@] %@; request to confirmed %@; finals [%@], unsettled %d",
                      offered, connections, durationSeconds, confirmedPerSecond, codes, answer.text, confirmed.text, finals, unsettled)
    }
}
