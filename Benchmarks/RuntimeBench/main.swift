import AMQP
import Fleet
import FleetTestSupport
import Foundation
import Logging
import Postgres

// Measures the consumer runtime against this machine's ceilings, in one run:
//   publish   - persistent publishes with confirms, batches of 500, into a quorum queue
//   bare      - consume and acknowledge those messages, nothing else (prefetch 300, ack per 100)
//   runtime   - one probe consumer draining a backlog: inbox, handler write, confirms, acks
// Usage: airfleet-bench runtime [--messages N] [--runs R]   (AIRFLEET_AMQP_URL, AIRFLEET_DATABASE_URL)
// and:   airfleet-bench replay [--messages N] [--runs R]    (dead-letter replay; see ReplayBench.swift)
//        airfleet-bench fill-dlq [--messages N]             (dead letters to rehearse with)
//        airfleet-bench backlog [--messages N]              (flight commands queued for the flights context)
//        airfleet-bench waiting payments|notifications [--messages N]
//                                                            (work that waits on a provider or SMTP; prints msg/s)

struct Options {
    var messages = 20_000
    var runs = 3

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        guard rest.popFirst() == "runtime" else { throw FleetError("usage: airfleet-bench runtime [--messages N] [--runs R]") }
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst().flatMap(Int.init), value > 0 else { throw FleetError("\(flag) needs a positive number") }
            switch flag {
            case "--messages": messages = value
            case "--runs": runs = value
            default: throw FleetError("unknown option \(flag)")
            }
        }
    }
}

func rate(_ count: Int, _ elapsed: Duration) -> Double { Double(count) / elapsed.seconds }

func publishBacklog(_ count: Int, to publisher: Publisher) throws -> Duration {
    let started = ContinuousClock.now
    for start in stride(from: 0, to: count, by: 500) {
        let batch = try (start..<min(start + 500, count)).map { try OutgoingMessage.make(ProbeRecord(key: "k\($0)"), source: "bench") }
        _ = try publisher.publish(batch)
    }
    return ContinuousClock.now - started
}

func bareConsume(_ count: Int, queue: String, configuration: AMQPConfiguration, logger: Logger) throws -> Duration {
    let connection = try AMQPConnection(configuration, logger: logger)
    defer { connection.close() }
    let channel = try connection.openChannel()
    try channel.setPrefetch(300)
    try channel.consume(queue: queue)
    let started = ContinuousClock.now
    var received = 0
    while received < count, let delivery = try connection.nextDelivery(timeout: 10) {
        received += 1
        if received % 100 == 0 || received == count { try channel.ack(delivery.deliveryTag, multiple: true) }
    }
    return ContinuousClock.now - started
}

func measure(_ options: Options) throws -> [String: [Double]] {
    var logger = Logger(label: "bench")
    logger.logLevel = .warning
    var results: [String: [Double]] = [:]
    for run in 1...options.runs {
        let prefix = "bench_\(UUID().uuidString.prefix(6).lowercased())_"
        let environment = ProcessInfo.processInfo.environment.merging(["AIRFLEET_SCHEMA_PREFIX": prefix, "AIRFLEET_LOG_LEVEL": "warning"]) { $1 }
        let configuration = try FleetConfiguration.fromEnvironment(environment)
        let topology = ProbeContexts.topology(settings: configuration.topology)
        let setup = try AMQPConnection(configuration.amqp, logger: logger)
        let channel = try setup.openChannel()
        try topology.declare(on: channel)
        try channel.purgeQueue(Topology.queue(of: "probe"))
        try channel.purgeQueue(Topology.queue(of: "tally"))
        let publisher = try Publisher(amqp: configuration.amqp, topology: topology, source: "bench", logger: logger)

        // Ceiling 1 and 2: publish with confirms, then bare consume-and-ack of the same messages.
        let bareQueue = "bench.bare"
        try channel.declareQueue(bareQueue, arguments: ["x-queue-type": .string("quorum")])
        try channel.bindQueue(bareQueue, exchange: Topology.commandsExchange, routingKey: ProbeRecord.messageType.description)
        let publishTime = try publishBacklog(options.messages, to: publisher)
        try channel.unbindQueue(bareQueue, exchange: Topology.commandsExchange, routingKey: ProbeRecord.messageType.description)
        try channel.purgeQueue(Topology.queue(of: "probe"))
        let bareTime = try bareConsume(options.messages, queue: bareQueue, configuration: configuration.amqp, logger: logger)
        try channel.deleteQueue(bareQueue)

        // The runtime draining the same backlog.
        _ = try publishBacklog(options.messages, to: publisher)
        let database = try PostgresConnection(try configuration.database(for: "probe"), logger: logger)
        let service = ConsumerService(definition: ProbeContexts.probe(), topology: topology, configuration: configuration, logger: logger)
        let started = ContinuousClock.now
        Task { try? await service.run() }
        var done = 0
        while done < options.messages {
            Thread.sleep(forTimeInterval: 0.02)
            done = (try? database.query("SELECT count(*) FROM \"\(prefix)probe\".records").first?.decode(Int.self, at: 0)) ?? 0
            if ContinuousClock.now - started > .seconds(300) { throw FleetError("runtime did not finish in 300 s (\(done) done)") }
        }
        let runtimeTime = ContinuousClock.now - started
        FileHandle.standardError.write(Data("run \(run): runtime phases: \(service.batchTimings.snapshot.perBatch)\n".utf8))
        service.stop()
        Thread.sleep(forTimeInterval: 1)
        for context in ["probe", "tally"] { try database.execute("DROP SCHEMA IF EXISTS \"\(prefix)\(context)\" CASCADE") }
        try channel.purgeQueue(Topology.queue(of: "tally"))
        database.close()
        publisher.close()
        setup.close()

        results["publish", default: []].append(rate(options.messages, publishTime))
        results["bare", default: []].append(rate(options.messages, bareTime))
        results["runtime", default: []].append(rate(options.messages, runtimeTime))
        FileHandle.standardError.write(Data("run \(run): publish \(Int(rate(options.messages, publishTime)))/s, bare \(Int(rate(options.messages, bareTime)))/s, runtime \(Int(rate(options.messages, runtimeTime)))/s\n".utf8))
    }
    return results
}

do {
    if CommandLine.arguments.dropFirst().first == "fill-dlq" {
        let options = try Options(["runtime"] + CommandLine.arguments.dropFirst(2))
        let configuration = try FleetConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
        let setup = try AMQPConnection(configuration.amqp, logger: Logger(label: "bench"))
        try ProbeContexts.topology(settings: configuration.topology).declare(on: try setup.openChannel())
        setup.close()
        let elapsed = try ReplayBench.fill(options.messages, amqp: configuration.amqp, logger: Logger(label: "bench"))
        print("published \(options.messages) dead letters into airfleet.probe.dlq in \(String(format: "%.1f", elapsed.seconds)) s")
        exit(0)
    }
    if CommandLine.arguments.dropFirst().first == "backlog" {
        let options = try Options(["runtime"] + CommandLine.arguments.dropFirst(2))
        let elapsed = try CommandBacklog.publish(options.messages)
        print("published \(options.messages) flight.schedule.v1 commands onto airfleet.flights in \(String(format: "%.1f", elapsed.seconds)) s")
        exit(0)
    }
    if CommandLine.arguments.dropFirst().first == "waiting" {
        let arguments = Array(CommandLine.arguments.dropFirst(2))
        guard let kind = arguments.first.flatMap(WaitingWork.Kind.init(rawValue:)) else {
            throw FleetError("usage: airfleet-bench waiting payments|notifications [--messages N]")
        }
        let options = try Options(["runtime"] + arguments.dropFirst())
        print(String(format: "%.1f", try WaitingWork.run(kind, count: options.messages)))
        exit(0)
    }
    if CommandLine.arguments.dropFirst().first == "replay" {
        let options = try Options(["runtime"] + CommandLine.arguments.dropFirst(2))
        try ReplayBench.run(messages: options.messages, runs: options.runs)
        exit(0)
    }
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    let results = try measure(options)
    print("benchmark (\(options.messages) messages, \(options.runs) runs)   median      min      max   msg/s")
    for name in ["publish", "bare", "runtime"] {
        let values = results[name, default: []].sorted()
        let median = values[values.count / 2]
        print("\(name.padding(toLength: 40, withPad: " ", startingAt: 0))\(String(format: "%8.0f %8.0f %8.0f", median, values.first!, values.last!))")
    }
    let ratio = results["runtime"]!.sorted()[options.runs / 2] / results["bare"]!.sorted()[options.runs / 2]
    print(String(format: "runtime / bare consume-and-ack: %.0f %%", ratio * 100))
} catch {
    FileHandle.standardError.write(Data("airfleet-bench: \(error)\n".utf8))
    exit(1)
}
