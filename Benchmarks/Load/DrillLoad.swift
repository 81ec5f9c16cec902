import ArgumentParser
import Foundation
import Synchronization

/// The booking load of ops/chaos, which checks afterwards that every accepted booking has its
/// outcome: nothing lost, nothing doubled.
struct DrillLoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "POST /v1/bookings at a steady rate through the faults of ops/chaos, retrying as a client should.",
        discussion: """
            Registers and signs in --customers customers of this run, then starts --bookings bookings at \
            --rate a second. Each booking has an Idempotency-Key of its own and is sent again, with the same \
            key and body, after a 503 or 429 (after its Retry-After), a connection error, a client timeout or \
            any other 5xx, until the ingress accepts it (200, 201, 202) or refuses it (another 4xx) or its \
            --deadline passes. Every answer is counted with when it came, so the drill's checks can tell what \
            the ingress said while the broker was away; all of it is written to --out as JSON.
            """)

    @Option(help: "The ingress, such as http://127.0.0.1:8080.") var base: String
    @Option(help: "A file of flight ids, one per line; bookings go to them in turn.") var flights: String
    @Option(help: "Where the JSON results go.") var out: String
    @Option(help: "Bookings to start.") var bookings = 5000
    @Option(help: "Bookings started per second.") var rate = 20.0
    @Option(help: "Customers the bookings are shared among.") var customers = 8
    @Option(help: "Client threads, each with its connection.") var workers = 48
    @Option(help: "Client timeout per request, seconds.") var timeout = 10.0
    @Option(help: "How long one booking is retried, seconds.") var deadline = 300.0
    @Option(help: "Every Nth booking waits for its outcome (Prefer: wait=5), so the ingress's reply queue lives through the faults too; 0: none.")
    var waitEvery = 10
    @Option(name: .customLong("run"), help: "The run's name, part of every customer's email and idempotency key.")
    var runName = DrillLoadCommand.timestamp()
    @Option(help: "A file written once the bookings start.") var startedFile: String?

    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        return formatter.string(from: Date())
    }

    func run() throws {
        guard let url = URLComponents(string: base), url.scheme == "http", let host = url.host else {
            throw ValidationError("--base must be like http://127.0.0.1:8080, not '\(base)'")
        }
        let client = DrillClient(host: host == "localhost" ? "127.0.0.1" : host, port: url.port ?? 80, timeout: timeout)
        let flightIds = try String(contentsOfFile: flights, encoding: .utf8).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !flightIds.isEmpty else { throw ValidationError("no flights in \(flights)") }

        progress("registering \(customers) customers")
        let signedIn = try DrillThreads.map(0..<customers) { try client.signIn(run: runName, index: $0) }
        let started = Date()
        if let startedFile { try "\(started.timeIntervalSince1970)\n".write(toFile: startedFile, atomically: true, encoding: .utf8) }
        let tally = DrillTally()
        progress("\(bookings) bookings at \(rate)/s over \(flightIds.count) flights, \(workers) workers")
        let answered = Atomic<Int>(0)
        let results = try DrillThreads.map(0..<bookings, width: workers) { index -> DrillBooking in
            let due = started.addingTimeInterval(Double(index) / rate)
            if due > Date() { Thread.sleep(until: due) }
            if index > 0, index % max(1, Int(rate * 10)) == 0 {
                progress("\(index) sent, \(answered.load(ordering: .relaxed)) answered, \(Int(Date().timeIntervalSince(started))) s")
            }
            defer { answered.add(1, ordering: .relaxed) }
            return client.book(index: index, run: runName, customer: signedIn[index % signedIn.count],
                               flight: flightIds[index % flightIds.count], waits: waitEvery > 0 && index % waitEvery == 0,
                               deadline: deadline, tally: tally)
        }
        let finished = Date()
        let report = DrillReport(run: runName, base: base, started: started, finished: finished, requested: bookings, rate: rate,
                                 customers: signedIn.map(\.customerId), tally: tally, bookings: results)
        try report.write(to: out)
        progress("done in \(Int(finished.timeIntervalSince(started))) s: \(report.accepted) accepted of \(bookings); "
            + tally.line)
    }
}

/// A line of the drill's log on standard error, named by the step that writes it.
func progress(_ text: String, step: String = "load") {
    FileHandle.standardError.write(Data("     \(step): \(text)\n".utf8))
}

/// Runs `body` for every index on `width` threads of its own (blocking sockets, never the
/// concurrency pool), in index order of the results.
enum DrillThreads {
    static func map<T: Sendable>(_ indexes: Range<Int>, width: Int? = nil,
                                 _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
        let next = Atomic<Int>(indexes.lowerBound)
        let results = Mutex<[Int: Result<T, any Error>]>([:])
        let group = DispatchGroup()
        for _ in 0..<max(1, min(width ?? indexes.count, indexes.count)) {
            group.enter()
            Thread {
                while case let index = next.add(1, ordering: .relaxed).oldValue, index < indexes.upperBound {
                    let result = Result { try body(index) }
                    results.withLock { $0[index] = result }
                }
                group.leave()
            }.start()
        }
        group.wait()
        return try results.withLock { all in try indexes.map { try all[$0]!.get() } }
    }
}
