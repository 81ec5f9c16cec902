import AMQP
import Foundation
import Logging
import Settings

/// A committed batch's business with the broker: what its handlers emitted is sent with the
/// reply copies, the broker's confirms are awaited, failed messages move up the retry ladder
/// or to the dead letters, and only then is the batch acknowledged.
struct BatchSettlement {
    let link: BrokerLink
    let router: FailureRouter
    let configuration: FleetConfiguration
    let timings: BatchTimings
    let metrics: ConsumerMetrics
    let logger: Logger

    /// A committed batch whose messages were sent: once the broker confirms them, the batch is
    /// acknowledged.
    struct SentBatch {
        let messages: [InboundMessage]
        let outcomes: [BatchOutcome]
        let outgoing: [OutgoingMessage]
        let sequences: [UInt64]
    }

    /// Sends what the committed handlers emitted, with the reply copies, without waiting for the confirms.
    func send(_ messages: [InboundMessage], _ outcomes: [BatchOutcome], _ outgoing: [OutgoingMessage]) throws -> SentBatch {
        var sequences: [UInt64] = []
        if !outgoing.isEmpty {
            sequences = try link.publishChannel.publish(outgoing.withReplyCopies)
        }
        return SentBatch(messages: messages, outcomes: outcomes, outgoing: outgoing, sequences: sequences)
    }

    /// Waits for the batch's confirms, then moves its failed messages on and acknowledges it.
    func settle(_ batch: SentBatch) throws {
        if try refusedCount(batch) > 0 {
            // Acknowledging would lose what the broker refused; without an acknowledgement the
            // batch comes back, meets its inbox rows, and publishes what it emitted again.
            throw FleetError("the broker refused messages a batch emitted; reconnecting so that the batch comes back and publishes them again")
        }
        try finish(batch.messages, batch.outcomes)
    }

    /// How many of the batch's messages the broker refused; a message no queue takes counts as
    /// taken, since sending it again would change nothing.
    private func refusedCount(_ batch: SentBatch) throws -> Int {
        guard !batch.outgoing.isEmpty else { return 0 }
        let began = ContinuousClock.now
        let outcomes = try link.publishChannel.waitForConfirms(batch.sequences).prefix(batch.outgoing.count)
        timings.add(.confirms, ContinuousClock.now - began)
        let taken = batch.outgoing.taken(by: outcomes, logger: logger)
        configuration.failpoints.hit(.afterPublish)
        return batch.outgoing.count - taken.count
    }

    /// Sends failed messages on (retry rung or dead letters), then acknowledges the batch.
    private func finish(_ messages: [InboundMessage], _ outcomes: [BatchOutcome]) throws {
        guard let last = messages.last else { return }
        let began = ContinuousClock.now
        defer { timings.add(.acknowledge, ContinuousClock.now - began) }
        var moves: [AMQPOutgoingMessage] = []
        var notices: [AMQPOutgoingMessage] = []
        var destinations: [FailureRouter.Destination?] = Array(repeating: nil, count: messages.count)
        for (index, (message, outcome)) in zip(messages, outcomes).enumerated() {
            guard case .failed(let failure) = outcome else { continue }
            let (move, destination) = router.route(message.delivery, attempt: message.attempt, failure: failure, now: Date())
            destinations[index] = destination
            moves.append(move)
            var metadata = message.logMetadata
            metadata["error_kind"] = "\(failure.kind.rawValue)"
            metadata["error"] = "\(failure.reason)"
            switch destination {
            case .retry(let delay):
                metadata["retry_in"] = "\(formatDuration(delay))"
                logger.info("message will be retried", metadata: metadata)
            case .deadLetters:
                logger.warning("message dead-lettered", metadata: metadata)
                // A caller waiting for this message's outcome learns it failed, and why.
                if let replyTo = message.delivery.properties.replyTo, !replyTo.isEmpty {
                    var copy = move
                    copy.exchange = ""
                    copy.routingKey = replyTo
                    copy.mandatory = false
                    copy.properties.persistent = false
                    notices.append(copy)
                }
            }
        }
        if !moves.isEmpty {
            let results = try link.publishChannel.publishConfirmed(moves + notices).prefix(moves.count)
            for (move, result) in zip(moves, results) where result != .confirmed {
                // Acknowledging now would lose the message; keep it unacknowledged and start over.
                throw FleetError("could not move a failed message to \(move.routingKey) (\(result)); is the topology declared?")
            }
        }
        configuration.failpoints.hit(.beforeAck)
        try link.consumeChannel.ack(last.delivery.deliveryTag, multiple: true)
        metrics.recordOutcomes(messages, outcomes, destinations: destinations)
    }
}
