import AMQP
import ArgumentParser
import Contracts
import Fleet
import Foundation

struct PublishCommand: AsyncParsableCommand {
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

    func run() async throws {
        guard let messageType = MessageTypes.named(type) else {
            let close = MessageTypes.suggestions(for: type)
            throw CommandFailure("unknown message type '\(type)'" + (close.isEmpty ? "" : "; known: \(close.joined(separator: ", "))"))
        }
        let configuration = try Environment.load()
        let outgoing = try read(messageType, from: try readData())
        let topology = try Contexts.topology(configuration)
        let client = try await Environment.connectedClient("airfleet publish", configuration)
        defer { client.shutdown() }
        if messageType.kind == .query {
            print(String(decoding: try await client.askRaw(outgoing, timeout: .seconds(wait ?? 10)), as: UTF8.self))
            return
        }
        // Nothing answers a command no context owns: it is published without waiting.
        if let unowned = topology.unownedReason(of: outgoing) {
            print(try await client.send(outgoing, wait: nil).commandId)
            throw CommandFailure("published but not delivered: \(unowned)")
        }
        let destination = wait == nil ? nil : WaitReport.destination(of: messageType.messageType)
        let inspector = try destination.map { _ in try QueueInspector(amqp: configuration.amqp) }
        let ahead = try destination.flatMap { try inspector?.inspect($0.queue)?.messageCount }
        let dispatch = try await client.send(outgoing, wait: wait.map { .seconds($0) })
        print(dispatch.commandId)
        guard let wait else { return }
        guard let outcome = dispatch.outcome else {
            guard let destination, let now = try inspector?.inspect(destination.queue) else {
                throw CommandFailure("no outcome within \(wait) s; the message was delivered (id \(dispatch.commandId))")
            }
            let report = WaitReport(queue: destination.queue, context: destination.context, ahead: ahead ?? 0,
                                    waiting: now.messageCount, consumers: now.consumerCount)
            throw CommandFailure(report.explain(id: dispatch.commandId, waited: wait))
        }
        if let failure = outcome.failure { throw CommandFailure("dead-lettered (\(failure.kind)): \(failure.reason)") }
        print(String(decoding: outcome.body, as: UTF8.self))
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
}

/// Reads a queue's counts from the broker, for `WaitReport`.
final class QueueInspector {
    private let connection: AMQPConnection
    /// Held for as long as the inspector lives: dropping a channel closes it.
    private let channel: AMQPChannel

    init(amqp: AMQPConfiguration) throws {
        connection = try AMQPConnection(amqp.withConnectionName("airfleet publish --wait"), logger: Environment.logger)
        channel = try connection.openChannel()
    }

    /// The queue's ready messages and consumers, as the broker counts them now.
    func inspect(_ queue: String) throws -> AMQPQueueState? {
        try channel.inspectQueue(queue)
    }

    deinit { connection.close() }
}
