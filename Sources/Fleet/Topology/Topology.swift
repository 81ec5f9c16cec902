import AMQP
import Settings

/// The RabbitMQ topology of a fleet: exchanges, per-context queues and bindings, declared by code.
///
/// - `airfleet.commands` (topic, routing key = type), with the alternate exchange
///   `airfleet.unroutable`, so a command nobody owns is kept in the queue of that name, not lost.
/// - `airfleet.events` (topic): an event no context follows is simply not delivered; keeping
///   those would fill a queue nobody reads.
/// - `airfleet.queries` (topic): queries travel apart from commands so a command backlog never
///   slows a search; no alternate exchange, so a query nobody answers comes back at once.
/// - `airfleet.dlx` (direct): dead letters, routed by context name to `airfleet.<context>.dlq`.
/// - Per context: `airfleet.<context>` (quorum, delivery limit, at-least-once dead-lettering,
///   reject-publish when full), `airfleet.<context>.queries` (classic, transient), its dead-letter
///   queue, and one TTL queue per rung of the retry ladder that dead-letters back to the context's queue.
public struct Topology: Sendable {
    public static let commandsExchange = "airfleet.commands"
    public static let eventsExchange = "airfleet.events"
    public static let queriesExchange = "airfleet.queries"
    public static let unroutableExchange = "airfleet.unroutable"
    public static let unroutableQueue = "airfleet.unroutable"
    public static let deadLetterExchange = "airfleet.dlx"

    public static func queue(of context: String) -> String { "airfleet.\(context)" }
    public static func queryQueue(of context: String) -> String { "airfleet.\(context).queries" }
    public static func deadLetterQueue(of context: String) -> String { "airfleet.\(context).dlq" }
    public static func retryQueue(of context: String, delay: Duration) -> String {
        "airfleet.\(context).retry.\(formatDuration(delay))"
    }

    public static func exchange(for kind: MessageKind) -> String {
        switch kind {
        case .command: commandsExchange
        case .event: eventsExchange
        case .query: queriesExchange
        }
    }

    public let settings: TopologySettings
    public let contexts: [ContextTopology]

    public init(settings: TopologySettings, contexts: [ContextTopology]) {
        self.settings = settings
        // One entry per context, whatever the sources that named it.
        var merged: [String: ContextTopology] = [:]
        for context in contexts { merged[context.name] = merged[context.name].map { $0.merging(context) } ?? context }
        self.contexts = merged.values.sorted { $0.name < $1.name }
    }

    /// Every exchange, queue and binding, in the order they must be declared.
    public var declarations: [Declaration] {
        sharedDeclarations + contexts.flatMap(declarations(of:))
    }

    /// The exchanges and queues every context relies on.
    var sharedDeclarations: [Declaration] {
        [
            .exchange(name: Self.unroutableExchange, type: .fanout, arguments: [:]),
            .exchange(name: Self.commandsExchange, type: .topic,
                      arguments: ["alternate-exchange": .string(Self.unroutableExchange)]),
            .exchange(name: Self.eventsExchange, type: .topic, arguments: [:]),
            .exchange(name: Self.queriesExchange, type: .topic, arguments: [:]),
            .exchange(name: Self.deadLetterExchange, type: .direct, arguments: [:]),
            .queue(name: Self.unroutableQueue, arguments: settings.durableQueueArguments),
            .binding(queue: Self.unroutableQueue, exchange: Self.unroutableExchange, routingKey: ""),
        ]
    }

    func declarations(of context: ContextTopology) -> [Declaration] {
        let name = context.name
        let queue = Self.queue(of: name)
        var result: [Declaration] = [
            .queue(name: Self.deadLetterQueue(of: name), arguments: settings.durableQueueArguments),
            .binding(queue: Self.deadLetterQueue(of: name), exchange: Self.deadLetterExchange, routingKey: name),
            .queue(name: queue, arguments: settings.durableQueueArguments.merging([
                "x-delivery-limit": .int(Int64(settings.deliveryLimit)),
                "x-dead-letter-exchange": .string(Self.deadLetterExchange),
                "x-dead-letter-routing-key": .string(name),
                "x-dead-letter-strategy": .string("at-least-once"),
            ]) { $1 }),
            // Transient: a node of a cluster that dies takes such a queue with it, and the next
            // declaration makes it anew on a node that lives. A durable classic queue would stay
            // bound to the dead node (404 "home node is down") until it came back; a query
            // waiting in it is worth no more than its asker's patience.
            .queue(name: Self.queryQueue(of: name), arguments: [
                "x-queue-type": .string("classic"),
                "x-max-length": .int(Int64(settings.queryQueueLimit)),
                "x-overflow": .string("reject-publish"),
            ], durable: false),
        ]
        for delay in settings.retryLadder.delays {
            result.append(.queue(name: Self.retryQueue(of: name, delay: delay), arguments: settings.durableQueueArguments.merging([
                "x-message-ttl": .int(delay.milliseconds),
                "x-dead-letter-exchange": .string(""),
                "x-dead-letter-routing-key": .string(queue),
                "x-dead-letter-strategy": .string("at-least-once"),
            ]) { $1 }))
        }
        for type in context.commands {
            result.append(.binding(queue: queue, exchange: Self.commandsExchange, routingKey: type.description))
        }
        for type in context.events {
            result.append(.binding(queue: queue, exchange: Self.eventsExchange, routingKey: type.description))
        }
        for type in context.queries {
            result.append(.binding(queue: Self.queryQueue(of: name), exchange: Self.queriesExchange, routingKey: type.description))
        }
        return result
    }

    /// Declares everything; declaring again is harmless, and a conflicting setting is an error
    /// that names the entity and the broker's reason.
    public func declare(on channel: AMQPChannel) throws {
        for declaration in declarations { try declaration.apply(on: channel) }
    }

    /// Declares what one context needs (its process does this at start).
    public func declare(context name: String, on channel: AMQPChannel) throws {
        let context = contexts.filter { $0.name == name }
        for declaration in sharedDeclarations + context.flatMap(declarations(of:)) { try declaration.apply(on: channel) }
    }

    /// The context whose queue receives a command, if any.
    public func owner(ofCommand type: MessageType) -> String? {
        contexts.first { $0.commands.contains(type) }?.name
    }

    /// Why `message` reaches no context, when it is a command none owns: the broker takes it into
    /// the unroutable queue, so only the topology can tell.
    public func unownedReason(of message: OutgoingMessage) -> String? {
        guard message.exchange == Topology.commandsExchange, owner(ofCommand: message.type) == nil else { return nil }
        return "no context owns \(message.type); it waits in \(Topology.unroutableQueue)"
    }
}

/// Which messages reach one context's queues.
public struct ContextTopology: Sendable, Equatable {
    public let name: String
    /// Commands it owns (every accepted version).
    public let commands: [MessageType]
    /// Events it follows.
    public let events: [MessageType]
    /// Queries it answers.
    public let queries: [MessageType]

    public init(name: String, commands: [MessageType] = [], events: [MessageType] = [], queries: [MessageType] = []) {
        self.name = name
        self.commands = Array(Set(commands)).sorted()
        self.events = Array(Set(events)).sorted()
        self.queries = Array(Set(queries)).sorted()
    }

    public init(registry: HandlerRegistry) {
        let accepted = registry.acceptedMessages
        self.init(name: registry.context,
                  commands: accepted.filter { $0.1 == .command }.map(\.0),
                  events: accepted.filter { $0.1 == .event }.map(\.0),
                  queries: registry.answeredQueries)
    }

    func merging(_ other: ContextTopology) -> ContextTopology {
        ContextTopology(name: name, commands: commands + other.commands, events: events + other.events,
                        queries: queries + other.queries)
    }
}

/// The settings that are part of the topology: processes and `topology declare` must agree on them.
public struct TopologySettings: Sendable, Equatable {
    /// Deliveries after which the broker dead-letters a message that keeps killing its consumer.
    public var deliveryLimit: Int
    public var retryLadder: RetryLadder
    /// Queries waiting beyond this are refused at once rather than answered too late.
    public var queryQueueLimit: Int

    public init(deliveryLimit: Int = 20, retryLadder: RetryLadder = .standard, queryQueueLimit: Int = 10_000) {
        self.deliveryLimit = deliveryLimit
        self.retryLadder = retryLadder
        self.queryQueueLimit = queryQueueLimit
    }

    var durableQueueArguments: AMQPTable {
        ["x-queue-type": .string("quorum"), "x-overflow": .string("reject-publish")]
    }
}

/// One exchange, queue or binding of the topology.
public enum Declaration: Sendable, Equatable {
    case exchange(name: String, type: AMQPExchangeType, arguments: AMQPTable)
    /// A queue that is not durable holds only what may be lost; it replaces a queue of its name
    /// declared otherwise (as the query queues were durable before).
    case queue(name: String, arguments: AMQPTable, durable: Bool = true)
    case binding(queue: String, exchange: String, routingKey: String)

    func apply(on channel: AMQPChannel) throws {
        switch self {
        case .exchange(let name, let type, let arguments):
            try channel.declareExchange(name, type: type, durable: true, arguments: arguments)
        case .queue(let name, let arguments, true):
            try channel.declareQueue(name, durable: true, arguments: arguments)
        case .queue(let name, let arguments, false):
            try channel.declareQueueReplacing(name, durable: false, arguments: arguments)
        case .binding(let queue, let exchange, let routingKey):
            try channel.bindQueue(queue, exchange: exchange, routingKey: routingKey)
        }
    }
}
