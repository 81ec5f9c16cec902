import AMQP
import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// The consumer path on the real broker and database, with the service in this process.
final class ConsumerTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet() }
    override func tearDown() { fleet?.tearDown() }

    private func records(_ key: String) throws -> Int {
        try fleet.integer("SELECT count(*) FROM \(fleet.schema("probe")).records WHERE key = $1", key)
    }

    func testPublishedCommandIsHandledItsEventFollowedAndEverythingAcknowledged() throws {
        _ = try fleet.start(ProbeContexts.probe())
        _ = try fleet.start(ProbeContexts.tally())
        let receipt = try fleet.publisher().publish(ProbeRecord(key: "first"))
        XCTAssertEqual(receipt.outcome, .delivered)

        try fleet.eventually("the tally counts the event") {
            try fleet.integer("SELECT count FROM \(fleet.schema("tally")).tallies WHERE key = 'first'") == 1
        }
        XCTAssertEqual(try records("first"), 1)
        try fleet.eventually("both queues are empty and nothing is unacknowledged") {
            try fleet.totalMessages("airfleet.probe") == 0 && fleet.totalMessages("airfleet.tally") == 0
        }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(fleet.schema("probe")).outbox"), 0, "handlers write no outbox rows")
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(fleet.schema("probe")).inbox"), 1)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(fleet.schema("probe")).inbox WHERE emitted LIKE '%probe.recorded.v1%'"), 1,
                       "the inbox row keeps what the command emitted")
    }

    /// This process does not trace: what a message causes carries its trace context unchanged,
    /// so a traced process further on still joins the caller's trace.
    func testWithoutTracingTheTraceContextPassesToWhatAMessageCauses() throws {
        _ = try fleet.start(ProbeContexts.probe())
        let trace = TraceHeaders(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "a=b")
        let message = try OutgoingMessage.make(ProbeRecord(key: "traced"), source: "airfleet/tests", inheritingTrace: trace)
        XCTAssertEqual(try fleet.publisher().publish([message]).first?.outcome, .delivered)
        try fleet.eventually("the command is handled") { try records("traced") == 1 }
        let emitted = try XCTUnwrap(try fleet.string("SELECT emitted FROM \(fleet.schema("probe")).inbox WHERE message_id = $1", message.id))
        XCTAssertTrue(emitted.contains(#""traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01""#), emitted)
        XCTAssertTrue(emitted.contains(#""tracestate":"a=b""#), emitted)
    }

    func testCommandNobodyOwnsIsReportedAndKeptInUnroutable() throws {
        struct Nobody: Command { static let messageType = MessageType("probe.nobody", version: 1); var x = 1 }
        let receipt = try fleet.publisher().publish(Nobody())
        guard case .unroutable(let reason) = receipt.outcome else { return XCTFail("expected unroutable, got \(receipt.outcome)") }
        XCTAssertTrue(reason.contains("no context owns probe.nobody.v1"), reason)
        let kept = try fleet.drain(Topology.unroutableQueue)
        XCTAssertEqual(kept.map(\.properties.messageId), [receipt.id])
        XCTAssertEqual(kept.first?.routingKey, "probe.nobody.v1")
    }

    func testTheSameMessageIdHasItsEffectOnce() throws {
        let message = try OutgoingMessage.make(ProbeRecord(key: "twice"), source: "airfleet/tests")
        let publisher = try fleet.publisher()
        // Twice in one batch, before the consumer starts, and once more after it handled them.
        _ = try publisher.publish([message, message])
        _ = try fleet.start(ProbeContexts.probe())
        try fleet.eventually("the queue is empty") { try fleet.totalMessages("airfleet.probe") == 0 }
        _ = try publisher.publish([message])
        try fleet.eventually("the third copy is consumed") { try fleet.totalMessages("airfleet.probe") == 0 }
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(try records("twice"), 1)
    }

    func testAMessageHandledBeforeIsADuplicateEvenWhereHandlingItAgainWouldFail() throws {
        _ = try fleet.start(ProbeContexts.probe())
        let message = try OutgoingMessage.make(ProbeMark(key: "once"), source: "airfleet/tests")
        let publisher = try fleet.publisher()
        _ = try publisher.publish([message])
        try fleet.eventually("the first copy is handled") {
            try fleet.integer("SELECT count(*) FROM \(fleet.schema("probe")).inbox WHERE message_id = $1", message.id) == 1
        }
        _ = try publisher.publish([message])
        try fleet.eventually("the second copy is consumed") { try fleet.totalMessages("airfleet.probe") == 0 }
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(try fleet.totalMessages("airfleet.probe.dlq"), 0, "a copy of a handled message is no failure")
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(fleet.schema("probe")).marks WHERE key = 'once'"), 1)
    }

    func testMessagesDeliveredForTheFirstTimeAreHandledWithoutLookingUpTheInbox() throws {
        _ = try fleet.start(ProbeContexts.probe())
        let messages = try (0..<20).map { try OutgoingMessage.make(ProbeRecord(key: "fresh-\($0)"), source: "airfleet/tests") }
        _ = try fleet.publisher().publish(messages)
        let schema = fleet.configuration.schema(for: "probe")
        // The server's statistics arrive from the consumer's session with a delay; the inbox's
        // 20 inserts show that they have, and its index scans, sent with them, are the lookups.
        try fleet.eventually("the statistics count the 20 inbox rows", timeout: .seconds(30)) {
            try fleet.integer("SELECT n_tup_ins FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'inbox'", schema) == 20
        }
        XCTAssertEqual(try fleet.integer("SELECT idx_scan FROM pg_stat_user_indexes WHERE schemaname = $1 AND indexrelname = 'inbox_pkey'",
                                         schema), 0)
    }

    func testTheSameMessageHandledAtOnceByTwoConsumersHasItsEffectOnce() throws {
        // Equal priorities, so that the broker takes turns between them.
        _ = try fleet.start(ProbeContexts.probe(), settings: ["AIRFLEET_CONSUMER_PRIORITY": "1"])
        _ = try fleet.start(ProbeContexts.probe(), settings: ["AIRFLEET_CONSUMER_PRIORITY": "1"])
        try fleet.eventually("both consume") { try fleet.queueState("airfleet.probe").consumerCount == 2 }
        // Back to back, the broker gives one copy to each consumer: both handle it at the same
        // time, and the one that records it second must roll its handling back.
        let message = try OutgoingMessage.make(ProbeSlow(key: "racing", milliseconds: 700), source: "airfleet/tests")
        _ = try fleet.publisher().publish([message, message])
        try fleet.eventually("one copy is recorded") { try records("racing") == 1 }
        Thread.sleep(forTimeInterval: 1.5) // the other handling's end, its rollback and its second look
        try fleet.eventually("both copies are acknowledged") { try fleet.totalMessages("airfleet.probe") == 0 }
        XCTAssertEqual(try records("racing"), 1)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(fleet.schema("probe")).inbox WHERE message_id = $1", message.id), 1)
    }

    func testTheFirstProcessByPriorityTakesWhatItCanHoldAndTheNextOnlyTheRest() throws {
        let first = AttemptLog(), second = AttemptLog()
        let settings = ["AIRFLEET_PREFETCH": "20", "AIRFLEET_BATCH_SIZE": "10"]
        _ = try fleet.start(ProbeContexts.probe(observe: second.record), settings: settings.merging(["AIRFLEET_CONSUMER_PRIORITY": "1"]) { $1 })
        _ = try fleet.start(ProbeContexts.probe(observe: first.record), settings: settings.merging(["AIRFLEET_CONSUMER_PRIORITY": "2"]) { $1 })
        try fleet.eventually("both consume") { try fleet.queueState("airfleet.probe").consumerCount == 2 }

        // A load within the first one's prefetch stays there, in whole batches.
        _ = try fleet.publisher().publish((1...15).map { try OutgoingMessage.make(ProbeRecord(key: "light-\($0)"), source: "airfleet/tests") })
        try fleet.eventually("the light load is handled") { try fleet.totalMessages("airfleet.probe") == 0 && first.count == 15 }
        XCTAssertEqual(second.count, 0)

        // More than it can hold spills over to the next.
        _ = try fleet.publisher().publish((1...60).map {
            try OutgoingMessage.make(ProbeSlow(key: "heavy-\($0)", milliseconds: 50), source: "airfleet/tests")
        })
        try fleet.eventually("the heavy load is handled", timeout: .seconds(30)) { first.count + second.count == 75 }
        XCTAssertGreaterThan(second.count, 0, "the second process took none of a load beyond the first one's prefetch")
        XCTAssertGreaterThan(first.count, 15)
    }

    func testTransientFailuresClimbTheLadderAndSucceedOnTheThirdAttempt() throws {
        let attempts = AttemptLog()
        _ = try fleet.start(ProbeContexts.probe(observe: attempts.record))
        _ = try fleet.publisher().publish(ProbeFlaky(key: "flaky", failures: 2))
        try fleet.eventually("the third attempt succeeds", timeout: .seconds(15)) { try records("flaky") == 1 }

        let seen = attempts.entries(for: "flaky")
        XCTAssertEqual(seen.map(\.attempt), [1, 2, 3])
        let firstWait = seen[1].time.timeIntervalSince(seen[0].time)
        let secondWait = seen[2].time.timeIntervalSince(seen[1].time)
        XCTAssertGreaterThanOrEqual(firstWait, 0.3, "first rung is 300ms")
        XCTAssertGreaterThanOrEqual(secondWait, 1.0, "second rung is 1s")
        XCTAssertGreaterThan(secondWait, firstWait)
        XCTAssertEqual(try fleet.integer("SELECT attempt FROM \(fleet.schema("probe")).records WHERE key = 'flaky'"), 3)
    }

    func testAMessageThatAlwaysFailsEndsInTheDeadLettersWithItsReasons() throws {
        _ = try fleet.start(ProbeContexts.probe())
        let receipt = try fleet.publisher().publish(ProbeFail(key: "doomed"))
        try fleet.eventually("the message is dead-lettered", timeout: .seconds(15)) {
            try fleet.queueState("airfleet.probe.dlq").messageCount == 1
        }
        let letter = try XCTUnwrap(fleet.drain("airfleet.probe.dlq").first)
        let headers = letter.properties.headers
        XCTAssertEqual(letter.properties.messageId, receipt.id)
        XCTAssertEqual(headers[FailureHeaders.errorKind]?.stringValue, "retries-exhausted")
        XCTAssertEqual(headers[FailureHeaders.error]?.stringValue, "always fails on purpose")
        XCTAssertEqual(headers[FailureHeaders.attempts]?.intValue, 3)
        XCTAssertEqual(headers[FailureHeaders.queue]?.stringValue, "airfleet.probe")
        XCTAssertEqual(headers[FailureHeaders.originalRoutingKey]?.stringValue, "probe.fail.v1")
        XCTAssertTrue(headers[FailureHeaders.consumer]?.stringValue?.hasPrefix("probe@") ?? false)
        XCTAssertNotNil(headers[FailureHeaders.failedAt]?.stringValue.flatMap(FleetJSON.parseTimestamp))
        let history = try XCTUnwrap(headers[FailureHeaders.failures]?.arrayValue)
        XCTAssertEqual(history.compactMap { $0.tableValue?["attempt"]?.intValue }, [1, 2, 3])
        XCTAssertEqual(try records("doomed"), 0)
    }

    func testBadMessagesAreDeadLetteredAtOnceWhileGoodOnesAroundThemAreHandled() throws {
        let service = try fleet.start(ProbeContexts.probe())
        func envelope(_ type: String, _ data: String) -> String {
            #"{"specversion":"1.0","id":"\#(UUID().uuidString)","type":"\#(type)","source":"tests","data":\#(data)}"#
        }
        try fleet.publishRaw([
            (envelope("probe.record.v1", #"{"key":"before"}"#), "probe.record.v1"),
            ("this is not json", nil),
            (#"{"specversion":"1.0","type":"probe.record.v1","source":"tests","data":{"key":"x"}}"#, nil),
            (envelope("probe.unheard-of.v1", "{}"), nil),
            (envelope("probe.record.v9", #"{"key":"x"}"#), nil),
            (envelope("probe.record.v1", #"{"key":42}"#), nil),
            (envelope("probe.record.v1", #"{"key":""}"#), nil),
            (envelope("probe.reject.v1", #"{"key":"no"}"#), nil),
            (envelope("probe.record.v1", #"{"key":"after"}"#), nil),
        ], to: "airfleet.probe")

        try fleet.eventually("seven dead letters") { try fleet.queueState("airfleet.probe.dlq").messageCount == 7 }
        XCTAssertEqual(try records("before"), 1)
        XCTAssertEqual(try records("after"), 1)
        let letters = try fleet.drain("airfleet.probe.dlq")
        let reasons = letters.map { "\($0.properties.headers[FailureHeaders.errorKind]?.stringValue ?? "?"): \($0.properties.headers[FailureHeaders.error]?.stringValue ?? "?")" }
        XCTAssertEqual(reasons, [
            "malformed: body is not valid JSON: The given data was not valid JSON.",
            "malformed: envelope.id is required",
            "unknown-type: context 'probe' has no handler for probe.unheard-of.v1",
            "unsupported-version: context 'probe' accepts probe.record at v1, not v9",
            "invalid: data.key must be a string, got 42",
            "invalid: key: must not be empty",
            "rejected: refused on purpose: no",
        ])
        XCTAssertTrue(letters.allSatisfy { $0.properties.headers[FailureHeaders.attempts]?.intValue == 1 })

        // Still consuming after all that.
        _ = try fleet.publisher().publish(ProbeRecord(key: "later"))
        try fleet.eventually("a later message is handled") { try records("later") == 1 }
        service.stop()
    }

    func testAVersionOneMessageIsUpcastForTheVersionTwoHandler() throws {
        _ = try fleet.start(ProbeContexts.probe())
        let publisher = try fleet.publisher()
        _ = try publisher.publish(ProbeNoteV1(text: "old note"))
        _ = try publisher.publish(ProbeNoteV2(text: "new note", author: "ana"))
        try fleet.eventually("both notes are recorded") { try records("old note") + records("new note") == 2 }
        let rows = try fleet.database().query("SELECT key, author FROM \(fleet.schema("probe")).records ORDER BY key")
        XCTAssertEqual(try rows.map { "\(try $0.decode(String.self, at: 0))/\(try $0.decode(String.self, at: 1))" },
                       ["new note/ana", "old note/unknown"])
    }

    func testABatchKeepsItsGoodMessagesWhenOneHandlerFails() throws {
        let publisher = try fleet.publisher()
        var messages = try (0..<50).map { try OutgoingMessage.make(ProbeRecord(key: "batch-\($0)"), source: "t") }
        messages.insert(try OutgoingMessage.make(ProbeReject(key: "spoiler"), source: "t"), at: 25)
        _ = try publisher.publish(messages)
        _ = try fleet.start(ProbeContexts.probe())
        try fleet.eventually("all good messages are handled") {
            try fleet.integer("SELECT count(*) FROM \(fleet.schema("probe")).records WHERE key LIKE 'batch-%'") == 50
        }
        try fleet.eventually("the bad one is dead-lettered") { try fleet.queueState("airfleet.probe.dlq").messageCount == 1 }
    }
}

/// Attempts seen by handlers, including those whose transaction rolled back.
final class AttemptLog: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var all: [(key: String, attempt: Int, time: Date)] = []

    func record(_ key: String, _ attempt: Int, _ time: Date) {
        lock.lock(); defer { lock.unlock() }
        all.append((key, attempt, time))
    }

    var count: Int {
        lock.lock(); defer { lock.unlock() }
        return all.count
    }

    func entries(for key: String) -> [(key: String, attempt: Int, time: Date)] {
        lock.lock(); defer { lock.unlock() }
        return all.filter { $0.key == key }
    }
}

/// Jobs a context runs on a clock, in every process, through the outbox.
final class ScheduledJobTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet() }
    override func tearDown() { fleet?.tearDown() }

    func testAJobSharedByTwoProcessesEmitsEachEventOnce() throws {
        _ = try fleet.start(ProbeContexts.probe())
        _ = try fleet.start(ProbeContexts.probe())
        _ = try fleet.start(ProbeContexts.tally())
        let keys = (0..<200).map { "mark-\($0)" }
        try fleet.database().execute("INSERT INTO \(fleet.schema("probe")).marks (key) SELECT unnest($1::text[])", keys)
        try fleet.eventually("every mark is counted") {
            try fleet.integer("SELECT count(*) FROM \(fleet.schema("tally")).tallies WHERE key LIKE 'mark-%'") == keys.count
        }
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(try fleet.integer("SELECT max(count) FROM \(fleet.schema("tally")).tallies"), 1, "no event twice")
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(fleet.schema("probe")).outbox"), 0)
    }
}

/// A caller that names a reply queue receives copies of what its message caused.
final class ReplyToTests: XCTestCase {
    var fleet: TestFleet!

    override func setUpWithError() throws { fleet = try TestFleet() }
    override func tearDown() { fleet?.tearDown() }

    /// A caller's reply queue `test.replies`, and `test.events`, which sees every ProbeRecorded.
    func declareRepliesAndEvents() throws {
        let connection = try AMQPConnection(fleet.configuration.amqp, logger: fleet.logger)
        defer { connection.close() }
        let channel = try connection.openChannel()
        try channel.declareQueue("test.replies", durable: false, arguments: ["x-queue-type": .string("classic")])
        try channel.declareQueue("test.events", durable: false, arguments: ["x-queue-type": .string("classic")])
        try channel.bindQueue("test.events", exchange: Topology.eventsExchange, routingKey: ProbeRecorded.messageType.description)
    }

    func testEventsCausedByACommandAreCopiedToItsReplyQueueAndCarryItOn() throws {
        try declareRepliesAndEvents()
        _ = try fleet.start(ProbeContexts.probe())

        let publisher = try fleet.publisher()
        let asked = try publisher.publish(ProbeRecord(key: "answered"), replyTo: "test.replies")
        _ = try publisher.publish(ProbeRecord(key: "unasked"))
        try fleet.eventually("both commands are handled") {
            try fleet.integer("SELECT count(*) FROM \(fleet.schema("probe")).records") == 2
        }
        try fleet.eventually("both events are on the exchange") { try fleet.queueState("test.events").messageCount == 2 }

        let replies = try fleet.drain("test.replies")
        XCTAssertEqual(replies.count, 1, "only the command that asked gets a copy")
        let header = try FleetJSON.decoder().decode(EnvelopeHeader.self, from: try XCTUnwrap(replies.first).body)
        XCTAssertEqual(header.type, "probe.recorded.v1")
        XCTAssertEqual(header.causationid, asked.id)
        XCTAssertEqual(header.correlationid, asked.id)

        let events = try fleet.drain("test.events")
        let carried = events.filter { $0.properties.replyTo == "test.replies" }
        XCTAssertEqual(carried.map(\.properties.messageId), replies.map(\.properties.messageId), "the event itself carries the reply queue on")
    }
}

extension ReplyToTests {
    func testACallerThatNamesTheTypesItWaitsForGetsCopiesOfThoseOnly() throws {
        try declareRepliesAndEvents()
        _ = try fleet.start(ProbeContexts.probe())

        let elsewhere = try OutgoingMessage.make(ProbeRecord(key: "elsewhere"), source: "airfleet/tests", replyTo: "test.replies",
                                                 replyTypes: ["probe.flaky.v1"])
        let wanted = try OutgoingMessage.make(ProbeRecord(key: "wanted"), source: "airfleet/tests", replyTo: "test.replies",
                                              replyTypes: ["probe.recorded.v1", "probe.flaky.v1"])
        _ = try fleet.publisher().publish([elsewhere, wanted])
        try fleet.eventually("both events are on the exchange") { try fleet.queueState("test.events").messageCount == 2 }

        let replies = try fleet.drain("test.replies")
        XCTAssertEqual(replies.count, 1, "only the event of a type its caller named is copied")
        XCTAssertEqual(try FleetJSON.decoder().decode(EnvelopeHeader.self, from: try XCTUnwrap(replies.first).body).causationid, wanted.id)
        let events = try fleet.drain("test.events")
        XCTAssertEqual(events.count, 2)
        for event in events {
            XCTAssertEqual(event.properties.replyTo, "test.replies", "the events carry the reply queue on")
            XCTAssertNotNil(event.properties.headers[OutgoingMessage.replyTypesHeader]?.stringValue, "and the types with it")
        }
    }

    func testADeadLetteredCommandIsReportedToItsReplyQueueWithTheReason() throws {
        let connection = try AMQPConnection(fleet.configuration.amqp, logger: fleet.logger)
        defer { connection.close() }
        try connection.openChannel().declareQueue("test.failures", durable: false, arguments: ["x-queue-type": .string("classic")])
        _ = try fleet.start(ProbeContexts.probe())
        let refused = try fleet.publisher().publish(ProbeReject(key: "no"), replyTo: "test.failures")
        try fleet.eventually("the caller hears of it") { try fleet.queueState("test.failures").messageCount == 1 }
        let notice = try XCTUnwrap(fleet.drain("test.failures").first)
        XCTAssertEqual(notice.properties.messageId, refused.id)
        XCTAssertEqual(notice.properties.headers[FailureHeaders.errorKind]?.stringValue, "rejected")
        XCTAssertEqual(notice.properties.headers[FailureHeaders.error]?.stringValue, "refused on purpose: no")
        XCTAssertEqual(try fleet.queueState("airfleet.probe.dlq").messageCount, 1, "and it is in the dead letters all the same")
    }
}
