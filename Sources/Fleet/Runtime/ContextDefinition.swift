import Foundation
import Logging
import Postgres

/// A bounded context as the runtime runs it: its handlers and its own migrations.
public struct ContextDefinition: Sendable {
    public let registry: HandlerRegistry
    /// The context's own tables, applied after the runtime's inbox and outbox.
    public let migrations: [Migration]
    /// Runs in every process after the migrations and before any message, for set-up a context
    /// owes its operators (the first admin, say). It must be idempotent and safe when several
    /// processes start at once.
    public private(set) var startup: (@Sendable (FleetConfiguration, Logger) throws -> Void)?
    /// Runs with each batch's messages before the batch's transaction and outside it, on the
    /// worker's connection: for slow calls elsewhere (a payment provider) that can overlap across
    /// the batch instead of following each other inside the transaction. It may only prepare what
    /// the handlers then use; a failure here is the handlers' to meet again.
    public private(set) var beforeBatch: (@Sendable (PostgresConnection, [BatchMessage]) -> Void)?
    /// Runs at the start of each attempt at a batch's transaction, inside it, with the messages
    /// still to handle: loads in one statement the rows their handlers would each read (and lock)
    /// in a round trip of their own, and leaves them in `BatchReadAhead` for the handlers to take.
    /// It must leave out any row that a batch-mate could change without taking it from there.
    public private(set) var readAhead: (@Sendable (PostgresConnection, [BatchMessage], BatchReadAhead) throws -> Void)?
    /// Calls to the outside world a process makes at once, for a context that waits on them
    /// (see `withConcurrentCalls`).
    public private(set) var concurrentCalls: Int?
    /// Workers of the context's own that run in every process beside the runtime's, each on a
    /// thread of its own (deliveries made outside any batch, bindings that follow the data).
    public private(set) var services: (@Sendable (ServiceEnvironment) -> [ThreadService])?

    /// What a context's own services are given.
    public struct ServiceEnvironment: Sendable {
        public let configuration: FleetConfiguration
        /// The context's database, with its schema first on the search path.
        public let database: PostgresConfiguration
        public let logger: Logger
    }

    /// One message of a batch as `beforeBatch` sees it.
    /// Messages whose body did not decode are not among them: their handlers never run.
    public struct BatchMessage: Sendable {
        public let type: String
        /// Decoded (and upcast) once, for this step and the message's handler alike.
        let data: any Sendable
        public let attempt: Int
        /// The span its handler will run in, for the spans of calls made on its behalf.
        public let trace: MessageTrace?

        /// The message's data when it is a `Payload` (a message type, or a protocol some conform
        /// to), nil otherwise.
        public func data<Payload>(as kind: Payload.Type) -> Payload? { data as? Payload }

        init?(_ message: InboundMessage) {
            guard case .ready(let header, let data, _) = message.content else { return nil }
            type = header.type
            self.data = data
            attempt = message.attempt
            trace = message.trace
        }
    }

    public init(registry: HandlerRegistry, migrations: [Migration]) {
        self.registry = registry
        self.migrations = migrations
    }

    /// The same context with a start-up step (see `startup`).
    public func withStartup(_ step: @escaping @Sendable (FleetConfiguration, Logger) throws -> Void) -> ContextDefinition {
        var copy = self
        copy.startup = step
        return copy
    }

    /// The same context with a step before each batch (see `beforeBatch`).
    public func withBeforeBatch(_ step: @escaping @Sendable (PostgresConnection, [BatchMessage]) -> Void) -> ContextDefinition {
        var copy = self
        copy.beforeBatch = step
        return copy
    }

    /// The same context with a read-ahead step in each batch's transaction (see `readAhead`).
    public func withReadAhead(_ step: @escaping @Sendable (PostgresConnection, [BatchMessage], BatchReadAhead) throws -> Void)
        -> ContextDefinition
    {
        var copy = self
        copy.readAhead = step
        return copy
    }

    /// The same context, waiting on the outside world with up to `calls` calls at once. A process
    /// of it handles batches of at most that many and holds at most three from the broker: one
    /// awaiting its acknowledgement, one in hand, the next ready. Whatever the broker has beyond
    /// that goes to the context's next process, where a longer queue here would only wait.
    public func withConcurrentCalls(_ calls: Int) -> ContextDefinition {
        var copy = self
        copy.concurrentCalls = calls
        return copy
    }

    /// The same context with services of its own (see `services`).
    public func withServices(_ make: @escaping @Sendable (ServiceEnvironment) -> [ThreadService]) -> ContextDefinition {
        var copy = self
        copy.services = make
        return copy
    }

    /// Deliveries a process handles in one batch: the fleet's batch size, or the context's calls at once.
    public func batchSize(in configuration: FleetConfiguration) -> Int {
        min(configuration.batchSize, concurrentCalls ?? .max)
    }

    /// Unacknowledged deliveries a process holds: the fleet's prefetch, or three of the context's batches.
    public func prefetch(in configuration: FleetConfiguration) -> Int {
        min(configuration.prefetch, concurrentCalls.map { 3 * $0 } ?? .max)
    }

    public var name: String { registry.context }
    public var topology: ContextTopology { ContextTopology(registry: registry) }

    /// The runtime's own tables (inbox, outbox, poison suspects), in every context's schema.
    public static func runtimeMigrations() throws -> [Migration] {
        guard let folder = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw FleetError("the runtime's migrations are missing from the Fleet resources bundle; ship airfleet_Fleet.resources beside the binary")
        }
        return try Migration.load(from: folder)
    }

    /// Brings the context's schema up to date; safe when several processes start at once.
    @discardableResult
    public func migrate(schema: String, on connection: PostgresConnection, logger: Logger) throws -> [String] {
        var applied: [String] = []
        let runtime = try MigrationRunner(schema: schema, component: "fleet", logger: logger)
            .migrate(try Self.runtimeMigrations(), on: connection)
        applied += runtime.map { "fleet/\($0)" }
        let own = try MigrationRunner(schema: schema, component: name.replacingOccurrences(of: "-", with: "_"), logger: logger)
            .migrate(migrations, on: connection)
        applied += own.map { "\(name)/\($0)" }
        return applied
    }
}
