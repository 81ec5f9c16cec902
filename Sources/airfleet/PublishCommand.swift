import AMQP
import ArgumentParser
import Contracts
import Fleet
import Foundation

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a command (or event) from its JSON data; ask a query and print the answer.",
        discussion: """
            The data is read as the Swift contract of the type reads it: a field that is missing or \
            wrong is named and nothing is published. The message is wrapped in its envelope and published \
            with confirms; its id is printed. With --wait, the outcome (the first message the command \
            caused) is printed as one line of JSON; a query always prints its answer.
            """)

    @Argument(help: "The message type, for example customer.register.v1.")
    var type: String

    @Option(help: "A file with the message's data (the envelope's data member), or - for standard input.")
    var data: String = "-"

    @Option(help: "Correlation id to carry (default: the message's own id).")
    var correlationId: String?

    @Option(help: "The aggregate the message is about (the envelope's subject).")
    var subject: String?

    @Option(help: "Seconds to wait for the outcome of a command.")
    var wait: Int?

    func run() throws {
        guard let messageType = MessageTypes.named(type) else {
            let close = MessageTypes.suggestions(for: type)
            throw CommandFailure("unknown message type '\(type)'" + (close.isEmpty ? "" : "; known: \(close.joined(separator: ", "))"))
        }
        let configuration = try Environment.load()
        let outgoing = try read(messageType, from: try readData())
        if messageType.kind == .query {
            try ask(outgoing, configuration: configuration)
            return
        }
        let waiter = try wait.map { _ in try OutcomeWaiter(amqp: configuration.amqp) }
        let publisher = try Publisher(amqp: configuration.amqp, topology: try Contexts.topology(configuration),
                                      source: "airfleet/cli", logger: Environment.logger)
        defer { publisher.close() }
        let destination = wait == nil ? nil : WaitReport.destination(of: messageType.messageType)
        let ahead = try destination.flatMap { try waiter?.inspect($0.queue)?.messageCount }
        let message = OutgoingMessage(id: outgoing.id, type: outgoing.type, exchange: outgoing.exchange, body: outgoing.body,
                                      correlationId: outgoing.correlationId, time: outgoing.time, source: outgoing.source,
                                      replyTo: waiter?.queue)
        let receipt = try publisher.publish([message])[0]
        print(receipt.id)
        if case .unroutable(let reason) = receipt.outcome { throw CommandFailure("published but not delivered: \(reason)") }
        guard let waiter, let wait else { return }
        guard let outcome = try waiter.outcome(of: receipt.id, within: .seconds(wait)) else {
            guard let destination, let now = try waiter.inspect(destination.queue) else {
                throw CommandFailure("no outcome within \(wait) s; the message was delivered (id \(receipt.id))")
            }
            let report = WaitReport(queue: destination.queue, context: destination.context, ahead: ahead ?? 0,
                                    waiting: now.messageCount, consumers: now.consumerCount)
            throw CommandFailure(report.explain(id: receipt.id, waited: wait))
        }
        print(String(decoding: outcome, as: UTF8.self))
    }

    private func readData() throws -> Data {
        if data == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        guard let contents = FileManager.default.contents(atPath: data) else { throw CommandFailure("cannot read \(data)") }
        return contents
    }

    /// Decodes and checks the data as `M`, then wraps it; nothing is published when this throws.
    private func read<M: Message>(_ type: M.Type, from data: Data) throws -> OutgoingMessage {
        let message: M
        do {
            message = try FleetJSON.decoder().decode(M.self, from: data)
            try message.validate()
        } catch let error as Fleet.ValidationError {
            throw CommandFailure("\(M.messageType) not published: data.\(error.field) \(error.reason)")
        } catch {
            let (field, reason) = describeDecodingFailure(error, document: data)
            throw CommandFailure("\(M.messageType) not published: \(field) \(reason)")
        }
        return try OutgoingMessage.make(message, source: "airfleet/cli", subject: subject, correlationId: correlationId)
    }

    private func ask(_ query: OutgoingMessage, configuration: FleetConfiguration) throws {
        let client = try QueryClient(amqp: configuration.amqp, source: "airfleet/cli", logger: Environment.logger)
        defer { client.close() }
        let reply = try client.askRaw(query, timeout: .seconds(wait ?? 10))
        print(String(decoding: reply, as: UTF8.self))
    }
}

/// A private, exclusive queue where copies of what a published command causes arrive
/// (the runtime copies every message caused by one that names it in reply_to).
final class OutcomeWaiter {
    let queue: String
    private let connection: AMQPConnection
    /// Held for as long as the waiter lives: dropping a channel closes it, and its consumer with it.
    private let channel: AMQPChannel

    init(amqp: AMQPConfiguration) throws {
        connection = try AMQPConnection(amqp.withConnectionName("airfleet publish --wait"), logger: Environment.logger)
        channel = try connection.openChannel()
        queue = try channel.declareQueue("", durable: false, exclusive: true, autoDelete: true,
                                         arguments: ["x-queue-type": .string("classic")]).name
        try channel.consume(queue: queue, noAck: true)
    }

    /// The first message caused directly by `id`, as its envelope's JSON; throws when the
    /// message was dead-lettered instead, with the reason.
    func outcome(of id: String, within timeout: Duration) throws -> Data? {
        let deadline = ContinuousClock.now + timeout
        let decoder = FleetJSON.decoder()
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero, let delivery = try connection.nextDelivery(timeout: remaining.seconds) else { return nil }
            let header = try? decoder.decode(EnvelopeHeader.self, from: delivery.body)
            let headers = delivery.properties.headers
            if header?.id == id, let kind = headers[FailureHeaders.errorKind]?.stringValue {
                throw CommandFailure("dead-lettered (\(kind)): \(headers[FailureHeaders.error]?.stringValue ?? "no reason given")")
            }
            if header?.causationid == id { return delivery.body }
        }
    }

    /// The queue's ready messages and consumers, as the broker counts them now.
    func inspect(_ queue: String) throws -> AMQPQueueState? {
        try channel.inspectQueue(queue)
    }

    deinit { connection.close() }
}
