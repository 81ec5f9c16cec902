import AMQP
import Fleet
import FleetTestSupport
import Foundation
import TestServers
import XCTest

/// `DeadLetterSweep` against a real broker: passes longer than a consumer's prefetch, stops
/// asked for midway, and a broker that restarts under a replay.
final class DeadLetterSweepTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet() }
    private var restartedBroker = false
    override func tearDown() {
        fleet?.tearDown()
        if restartedBroker { TestServers.healBrokerAfterRestartTest() }
    }

    private let deadLetters = "airfleet.probe.dlq"

    /// Seeds dead letters of the probe context: ProbeRecord for even indexes, ProbeReject for odd.
    private func seed(_ count: Int, prefix: String = "k") throws -> [OutgoingMessage] {
        let messages = try (0..<count).map { index in
            index % 2 == 0 ? try OutgoingMessage.make(ProbeRecord(key: "\(prefix)\(index)"), source: "t")
                : try OutgoingMessage.make(ProbeReject(key: "\(prefix)\(index)"), source: "t")
        }
        try DeadLetterSeed.publish(messages.map { DeadLetterSeed.deadLetter($0, context: "probe") },
                                   amqp: fleet.configuration.amqp, logger: fleet.logger)
        return messages
    }

    private func sweep(_ stop: StopSignal = StopSignal()) throws -> DeadLetterSweep {
        try DeadLetterSweep(amqp: fleet.configuration.amqp, name: "test sweep", stop: stop, logger: fleet.logger)
    }

    func testAPassHoldingMoreThanAConsumersPrefetchGoesOn() throws {
        let messages = try seed(60)
        let sweep = try sweep()
        defer { sweep.close() }
        let queues = try sweep.count(contexts: ["probe"])
        XCTAssertEqual(queues, [.init(context: "probe", queue: deadLetters, messages: 60)])
        // 30 held messages fill four consumers of 7; the pass must start more to see them all.
        let options = DeadLetterSweep.Options(filter: DeadLetterFilter(types: ["probe.record.v1"]), batchSize: 4, prefetch: 7)
        let progress = try sweep.run(queues, action: .replay(dryRun: false), options: options) { _ in }
        XCTAssertEqual(progress.scanned, 60)
        XCTAssertEqual(progress.moved, 30)
        XCTAssertEqual(try fleet.queueState(deadLetters).messageCount, 30, "counted ready again when the sweep returns")

        var seen: [String] = []
        let again = try sweep.run(try sweep.count(contexts: ["probe"]), action: .inspect, options: .init(prefetch: 7)) { event in
            if case .letter(let letter, _) = event { seen.append(letter.id) }
        }
        XCTAssertEqual(again.scanned, 30)
        XCTAssertEqual(Set(seen), Set(messages.filter { $0.type == ProbeReject.messageType }.map(\.id)))
        XCTAssertEqual(Set(try fleet.drain("airfleet.probe").compactMap(\.properties.messageId)),
                       Set(messages.filter { $0.type == ProbeRecord.messageType }.map(\.id)))
    }

    func testEveryReplayedMessageLeavesTheDeadLettersForGood() throws {
        // Thousands of acknowledgements right before the channel closes: a quorum queue may drop
        // those its channel still holds back, and the messages would stay though replayed.
        try DeadLetterSeed.publish(try (0..<5000).map { index in
            DeadLetterSeed.deadLetter(try OutgoingMessage.make(ProbeRecord(key: "all\(index)"), source: "t"), context: "probe")
        }, amqp: fleet.configuration.amqp, logger: fleet.logger)
        let sweep = try sweep()
        defer { sweep.close() }
        let progress = try sweep.run(try sweep.count(contexts: ["probe"]), action: .replay(dryRun: false), options: .init()) { _ in }
        XCTAssertEqual(progress.moved, 5000)
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(try fleet.queueState(deadLetters).messageCount, 0)
        XCTAssertEqual(try fleet.queueState("airfleet.probe").messageCount, 5000)
    }

    func testAStopFinishesTheBatchInHandAndGivesTheRestBack() throws {
        let messages = try seed(40)
        let stop = StopSignal()
        let sweep = try sweep(stop)
        defer { sweep.close() }
        var replayed = 0
        let progress = try sweep.run(try sweep.count(contexts: ["probe"]), action: .replay(dryRun: false),
                                     options: .init(batchSize: 5)) { event in
            if case .letter(_, .replayed) = event {
                replayed += 1
                if replayed == 10 { stop.request() }
            }
        }
        XCTAssertTrue(progress.interrupted)
        // What was published when the stop came is settled (a batch may wait for its confirms
        // while the next goes out, and a batch is cut short when no delivery is at hand);
        // nothing more is started.
        XCTAssertTrue((10..<20).contains(progress.moved), "\(progress.moved) replayed")
        let inQueue = try fleet.drain("airfleet.probe").compactMap(\.properties.messageId)
        let stillDead = try fleet.drain(deadLetters).compactMap(\.properties.messageId)
        XCTAssertEqual(inQueue.count, progress.moved)
        XCTAssertEqual(Set(inQueue).intersection(stillDead), [])
        XCTAssertEqual(Set(inQueue + stillDead), Set(messages.map(\.id)))
    }

    func testABrokerRestartUnderAReplayLosesNothingAndARerunFinishesIt() throws {
        guard ProcessInfo.processInfo.environment["AIRFLEET_TEST_BROKER_RESTART"] != nil else {
            throw XCTSkip("needs AIRFLEET_TEST_BROKER_RESTART (ops/test sets it)")
        }
        _ = try fleet.start(ProbeContexts.probe())
        let keys = (0..<300).map { "r\($0)" }
        let messages = try keys.map { try OutgoingMessage.make(ProbeRecord(key: $0), source: "t") }
        try DeadLetterSeed.publish(messages.map { DeadLetterSeed.deadLetter($0, context: "probe") },
                                   amqp: fleet.configuration.amqp, logger: fleet.logger)
        let failed = DispatchSemaphore(value: 0)
        let amqp = fleet.configuration.amqp, logger = fleet.logger
        Thread {
            let sweep = try? DeadLetterSweep(amqp: amqp, name: "test sweep", logger: logger)
            _ = try? sweep?.run(try sweep!.count(contexts: ["probe"]), action: .replay(dryRun: false),
                                options: .init(rate: ReplayRate(perSecond: 200), batchSize: 10)) { _ in }
            failed.signal()
        }.start()
        Thread.sleep(forTimeInterval: 0.5)
        restartedBroker = true
        try TestServers.restartBroker()
        XCTAssertEqual(failed.wait(timeout: .now() + 30), .success, "the replay ends when its broker goes")

        try fleet.eventually("a rerun empties the dead letters", timeout: .seconds(60)) {
            let sweep = try self.sweep()
            defer { sweep.close() }
            _ = try sweep.run(try sweep.count(contexts: ["probe"]), action: .replay(dryRun: false), options: .init()) { _ in }
            return try self.fleet.queueState(self.deadLetters).messageCount == 0
        }
        let records = "\(fleet.schema("probe")).records"
        try fleet.eventually("everything is handled", timeout: .seconds(60)) {
            try fleet.integer("SELECT count(DISTINCT key) FROM \(records)") == keys.count
        }
        try fleet.eventually("the queue is empty") { try fleet.totalMessages("airfleet.probe") == 0 }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(records)"), keys.count, "nothing handled twice")
    }
}
