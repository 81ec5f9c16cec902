import AMQP
import Fleet
import Foundation
import Logging
import Metrics
import Settings

/// The ingress's way onto RabbitMQ: the fleet's `BrokerClient`, counted and timed for
/// /metrics, beside the feed of flight updates for live streams.
public final class BrokerGateway: Sendable {
    private let client: BrokerClient
    /// Flight status events for live-update streams.
    public let flightUpdates: FlightUpdateFeed

    /// - Parameter topology: declared when the publisher connects (nil: leave the broker as it is).
    public init(amqp: AMQPConfiguration, topology: Topology?, source: String, logger: Logger) {
        client = BrokerClient(amqp: amqp.withConnectionName(amqp.connectionName ?? "airfleet ingress"), topology: topology,
                              source: source, logger: logger)
        flightUpdates = FlightUpdateFeed(amqp: amqp, logger: logger)
    }

    public func start() {
        client.start()
        flightUpdates.start()
    }

    /// Waits until every connection is up, or `timeout` passes; whether they are.
    public func waitUntilReady(timeout: Duration) async -> Bool {
        await BrokerClient.poll(within: timeout) { isReady }
    }

    public func shutdown() {
        client.shutdown()
        flightUpdates.shutdown()
    }

    /// Commands can be published, answers received and flight updates followed.
    public var isReady: Bool { client.isReady && flightUpdates.isListening }

    /// `BrokerClient.send`, counted per command type.
    public func send<C: Command>(_ command: C, subject: String?, correlationId: String, wait: Duration?,
                                 replyTypes: Set<MessageType>? = nil,
                                 settles: @escaping @Sendable (ReplyMessage, String) -> Bool = BrokerClient.causedDirectly)
        async throws -> BrokerClient.Dispatch {
        let dispatch = try await client.send(command, subject: subject, correlationId: correlationId, wait: wait,
                                             replyTypes: replyTypes, settles: settles)
        Counter(label: "airfleet_ingress_commands_total", dimensions: [("type", C.messageType.description)]).increment()
        return dispatch
    }

    /// `BrokerClient.ask`, timed per query type.
    public func ask<Q: Query>(_ query: Q, correlationId: String, timeout: Duration) async throws -> Q.Response {
        let started = ContinuousClock.now
        defer {
            Timer(label: "airfleet_ingress_query_duration_seconds", dimensions: [("type", Q.messageType.description)])
                .recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        }
        return try await client.ask(query, correlationId: correlationId, timeout: timeout)
    }
}
