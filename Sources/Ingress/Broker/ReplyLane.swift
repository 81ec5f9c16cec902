import AMQP
import Fleet
import Foundation
import Logging
import Synchronization

/// One thread and one connection that own this process's reply queue: an exclusive,
/// server-named queue where query answers and the copies of what waited-for commands cause
/// arrive, each handed to the request waiting for it.
///
/// When the connection drops, the queue goes with it: waiting requests are told at once, and
/// a new queue (with a new name) is made on reconnection.
final class ReplyLane: Sendable {
    let waiters = ReplyWaiters()
    private let amqp: AMQPConfiguration
    private let logger: Logger
    private let stop = StopSignal()
    private let queue = Mutex<String?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    init(amqp: AMQPConfiguration, logger: Logger) {
        self.amqp = amqp.withConnectionName("\(amqp.connectionName ?? "airfleet ingress") replies")
        self.logger = logger
    }

    /// The reply queue's name; nil while disconnected.
    var queueName: String? { queue.withLock { $0 } }

    func start() {
        let thread = Thread { [self] in run(); finished.signal() }
        thread.name = "ingress-replies"
        thread.start()
    }

    func shutdown() {
        stop.request()
        finished.wait()
    }

    private func run() {
        var backoff = Backoff()
        while !stop.isRequested {
            do {
                let connection = try AMQPConnection(amqp, logger: logger)
                defer { connection.close() }
                let channel = try connection.openChannel()
                let name = try channel.declareQueue("", durable: false, exclusive: true, autoDelete: true,
                                                    arguments: ["x-queue-type": .string("classic")]).name
                try channel.consume(queue: name, noAck: true)
                queue.withLock { $0 = name }
                backoff.reset()
                while !stop.isRequested {
                    if let delivery = try connection.nextDelivery(timeout: 0.1) {
                        waiters.deliver(ReplyMessage(delivery))
                    }
                    waiters.expire()
                }
                withExtendedLifetime(channel) {}
            } catch {
                logger.error("ingress reply queue lost; reconnecting", metadata: ["error": "\(error)"])
            }
            queue.withLock { $0 = nil }
            waiters.failAll(BrokerGatewayError.unavailable("the connection to RabbitMQ dropped while waiting for the answer; try again"))
            if !stop.isRequested { _ = stop.sleep(backoff.next()) }
        }
    }
}
