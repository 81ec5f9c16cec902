import AMQP
import Foundation
import Logging

/// A thread of its own holding one broker connection: rabbitmq-c blocks and is not
/// thread-safe, so each of a client's broker duties gets one, off the concurrency pool.
/// It reconnects after any failure with a growing, jittered pause until it is shut down.
public final class BrokerLane: Sendable {
    public let stop = StopSignal()
    private let finished = DispatchSemaphore(value: 0)
    private let name: String
    private let amqp: AMQPConfiguration
    private let logger: Logger

    public init(name: String, amqp: AMQPConfiguration, logger: Logger) {
        self.name = name
        self.amqp = amqp.withConnectionName("\(amqp.connectionName ?? "airfleet") \(name)")
        self.logger = logger
    }

    /// Connects and runs `serve` on the lane's thread until `shutdown`; `disconnected` runs
    /// after each lost connection, and once more at the end.
    public func start(serve: @escaping @Sendable (AMQPConnection) throws -> Void, disconnected: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            var backoff = Backoff()
            while !stop.isRequested {
                do {
                    let connection = try AMQPConnection(amqp, logger: logger)
                    defer { connection.close() }
                    backoff.reset()
                    try serve(connection)
                } catch {
                    logger.error("broker client's \(name) lane lost RabbitMQ; reconnecting", metadata: ["error": "\(error)"])
                }
                disconnected()
                if !stop.isRequested { _ = stop.sleep(backoff.next()) }
            }
            finished.signal()
        }
        thread.name = "broker-\(name)"
        thread.start()
    }

    /// Asks the lane to stop, lets `wake` end whatever wait it is in, and waits for its thread.
    public func shutdown(wake: () -> Void = {}) {
        stop.request()
        wake()
        finished.wait()
    }
}
