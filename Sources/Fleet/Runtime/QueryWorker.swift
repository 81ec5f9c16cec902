import AMQP
import Foundation
import Logging
import Postgres

/// Answers a context's queries from `airfleet.<context>.queries` on a thread and connections of
/// its own, so a backlog of commands never delays an answer.
final class QueryWorker {
    private let definition: ContextDefinition
    private let configuration: FleetConfiguration
    private let stop: StopSignal
    private let logger: Logger
    private let decoder = FleetJSON.decoder()
    private let encoder = FleetJSON.encoder()
    private let database: ContextDatabase
    private var connection: AMQPConnection?
    private var channel: AMQPChannel?
    private var consumerTag: String?
    /// Names this worker among the process's query workers.
    private let name: String

    init(definition: ContextDefinition, configuration: FleetConfiguration, index: Int, database: PostgresConfiguration,
         stop: StopSignal, logger: Logger) {
        self.definition = definition
        self.configuration = configuration
        self.name = "\(definition.name)@\(configuration.processName) queries-\(index)"
        self.stop = stop
        self.logger = logger
        self.database = ContextDatabase(configuration: database, schema: configuration.schema(for: definition.name),
                                        logger: logger)
    }

    func run() {
        runReconnecting("query worker", stop: stop, logger: logger, connect: connect, work: pump, disconnect: disconnect)
        database.close()
    }

    private func connect() throws {
        _ = try database.connected()
        guard connection == nil else { return }
        let connection = try AMQPConnection(configuration.amqp.withConnectionName(name), logger: logger)
        let channel = try connection.openChannel()
        try channel.setPrefetch(UInt16(clamping: configuration.queryPrefetch))
        consumerTag = try channel.consume(queue: Topology.queryQueue(of: definition.name),
                                          consumerTag: name)
        self.connection = connection
        self.channel = channel
    }

    private func disconnect() {
        connection?.close()
        connection = nil
        channel = nil
        consumerTag = nil
    }

    private func pump() throws {
        guard let connection, let channel, let consumerTag else { return }
        while true {
            if stop.isRequested {
                for delivery in try channel.cancel(consumerTag: consumerTag) { try answer(delivery, on: channel) }
                return
            }
            guard let delivery = try connection.nextDelivery(timeout: 0.25) else { continue }
            try answer(delivery, on: channel)
        }
    }

    private func answer(_ delivery: AMQPDelivery, on channel: AMQPChannel) throws {
        let started = ContinuousClock.now
        let reply = reply(to: delivery)
        if let replyTo = delivery.properties.replyTo, !replyTo.isEmpty {
            try channel.publish(AMQPOutgoingMessage(
                exchange: "", routingKey: replyTo, body: reply,
                properties: AMQPProperties(contentType: "application/json", persistent: false,
                                           correlationId: delivery.properties.messageId, type: delivery.properties.type.map { "\($0).reply" }),
                mandatory: false))
        } else {
            logger.warning("query without reply_to; nobody can receive the answer", metadata: ["type": "\(delivery.properties.type ?? "?")"])
        }
        try channel.ack(delivery.deliveryTag)
        logger.debug("answered query", metadata: [
            "type": "\(delivery.properties.type ?? "?")", "message_id": "\(delivery.properties.messageId ?? "?")",
            "ms": "\((ContinuousClock.now - started).milliseconds)"])
    }

    /// A query writes nothing, so one that met a session the server had dropped (a restart, a
    /// failover) is asked once more on a fresh session instead of failing its caller.
    private func askingAgainOnALostConnection<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresError where error.isConnectionLost {
            logger.info("the database dropped the query's session; asking again on a new one", metadata: ["error": "\(error)"])
            return try body()
        }
    }

    private func reply(to delivery: AMQPDelivery) -> Data {
        do {
            let header = try decoder.decode(EnvelopeHeader.self, from: delivery.body)
            try header.validate()
            let type = header.messageType!
            let query: RegisteredQuery
            switch definition.registry.resolveQuery(type) {
            case .found(let found): query = found
            case .unknownType: throw QueryError(kind: .unknownType, message: "context '\(definition.name)' does not answer \(type)")
            case .unsupportedVersion(let versions):
                throw QueryError(kind: .unsupportedVersion, message: "context '\(definition.name)' answers \(type.name) at \(versions.map { "v\($0)" }.joined(separator: ", "))")
            }
            let run: (QueryContext) throws -> any Encodable
            do {
                run = try query.prepare(header, delivery.body, decoder)
            } catch let error as ValidationError {
                throw QueryError.invalid(error.field, error.reason)
            } catch let error as DataDecodingError {
                throw QueryError.invalid(error.field, error.reason)
            } catch let error as DecodingError {
                let (field, reason) = describeDecodingFailure(error)
                throw QueryError.invalid(field, reason)
            }
            let trace = MessageTracing.startProcessing(header, queue: Topology.queryQueue(of: definition.name))
            var queryLogger = logger
            queryLogger[metadataKey: "message_id"] = "\(header.id)"
            queryLogger[metadataKey: "correlation_id"] = "\(header.correlationid ?? header.id)"
            for (key, value) in MessageTracing.logMetadata(span: trace?.headers, incoming: header.traceHeaders) {
                queryLogger[metadataKey: key] = value
            }
            do {
                let answer = try askingAgainOnALostConnection {
                    let context = QueryContext(database: try database.connected(), logger: queryLogger, now: Date())
                    return try trace.bound { try run(context) }
                }
                trace?.end()
                return try encoder.encode(EncodedReply(ok: true, data: AnyEncodable(value: answer), error: nil))
            } catch {
                trace?.end(failure: "\(error)")
                throw error
            }
        } catch {
            let queryError: QueryError
            switch error {
            case let error as QueryError: queryError = error
            case let error as DecodingError:
                let (field, reason) = describeDecodingFailure(error, root: "envelope", document: delivery.body)
                queryError = QueryError(kind: .malformed, message: reason, field: field)
            default:
                logger.error("query failed", metadata: ["error": "\(error)"])
                queryError = QueryError(kind: .internal, message: "\(error)")
            }
            return (try? encoder.encode(EncodedReply(ok: false, data: nil, error: queryError))) ?? Data(#"{"ok":false}"#.utf8)
        }
    }
}
