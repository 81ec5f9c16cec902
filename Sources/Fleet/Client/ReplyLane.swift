import AMQP
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
    private let lane: BrokerLane
    private let queue = Mutex<String?>(nil)
    private let reconnecting: ReconnectWindow

    init(amqp: AMQPConfiguration, patience: Duration = .seconds(2), logger: Logger) {
        lane = BrokerLane(name: "replies", amqp: amqp, logger: logger)
        reconnecting = ReconnectWindow(patience: patience)
    }

    /// The reply queue's name; nil while disconnected.
    var queueName: String? { queue.withLock { $0 } }

    /// The reply queue's name, waiting for the next one while the lane reconnects (as long as
    /// its `ReconnectWindow` allows); nil when there is none to wait for.
    func currentQueueName() async -> String? {
        while true {
            if let name = queueName { return name }
            guard let deadline = reconnecting.deadline(), !lane.stop.isRequested else { return nil }
            try? await Task.sleep(for: min(.milliseconds(20), deadline - .now))
        }
    }

    func start() {
        lane.start(serve: { [self] connection in
            let channel = try connection.openChannel()
            let name = try channel.declareQueue("", durable: false, exclusive: true, autoDelete: true,
                                                arguments: ["x-queue-type": .string("classic")]).name
            try channel.consume(queue: name, noAck: true)
            queue.withLock { $0 = name }
            reconnecting.connected()
            // Deadlines are checked every 50 ms, not after every delivery: under load replies
            // arrive far more often than any wait can run out.
            var lastExpiry = ContinuousClock.now
            while !lane.stop.isRequested {
                if let delivery = try connection.nextDelivery(timeout: 0.05) {
                    waiters.deliver(ReplyMessage(delivery))
                }
                if ContinuousClock.now - lastExpiry >= .milliseconds(50) {
                    waiters.expire()
                    lastExpiry = .now
                }
            }
            withExtendedLifetime(channel) {}
        }, disconnected: { [self] in
            queue.withLock { $0 = nil }
            reconnecting.lost()
            waiters.failAll(BrokerClientError.unavailable("the connection to RabbitMQ dropped while waiting for the answer; try again"))
        })
    }

    func shutdown() {
        lane.shutdown()
    }
}
