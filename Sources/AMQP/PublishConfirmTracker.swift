import Foundation

/// Publisher-confirm bookkeeping for one channel: which sequence numbers await the broker's
/// basic.ack or basic.nack, and which basic.return belongs to which of them.
///
/// The broker sends a mandatory message's basic.return just before that message's basic.ack,
/// but a return carries no sequence number, and acks of a quorum queue's earlier messages may
/// come later than the return of an unroutable one. So a return is matched to the earliest
/// unconfirmed message it is a copy of (same exchange, routing key, message id and body);
/// among identical copies, which one is blamed makes no observable difference.
struct PublishConfirmTracker {
    private struct Sent {
        let exchange: String
        let routingKey: String
        let messageId: String?
        let body: Data
        var returned: (code: Int, text: String)?
    }

    private(set) var isEnabled = false
    private(set) var nextSequence: UInt64 = 1
    private var inFlight: [UInt64: Sent] = [:]
    private var publishOrder = FIFO<UInt64>()
    private var outcomes: [UInt64: AMQPPublishOutcome] = [:]
    /// Returns that matched no unconfirmed message (published without confirms, or already
    /// settled); counted so that tests and logs can see them.
    private(set) var unmatchedReturns = 0

    var unconfirmedCount: Int { inFlight.count }

    /// confirm.select was answered: the broker numbers this channel's publishes from 1.
    mutating func enable() {
        guard !isEnabled else { return }
        self = PublishConfirmTracker()
        isEnabled = true
    }

    /// Records a message just written to the socket; returns its sequence number, or 0 when
    /// confirms are off.
    mutating func recordPublish(_ message: AMQPOutgoingMessage) -> UInt64 {
        guard isEnabled else { return 0 }
        let sequence = nextSequence
        nextSequence += 1
        inFlight[sequence] = Sent(exchange: message.exchange, routingKey: message.routingKey,
                                  messageId: message.properties.messageId, body: message.body)
        publishOrder.append(sequence)
        return sequence
    }

    mutating func acknowledge(_ tag: UInt64, multiple: Bool) {
        settle(tag, multiple: multiple) { sent in
            sent.returned.map { .returned(replyCode: $0.code, replyText: $0.text) } ?? .confirmed
        }
    }

    mutating func reject(_ tag: UInt64, multiple: Bool) {
        settle(tag, multiple: multiple) { _ in .nacked }
    }

    /// Attaches a basic.return to the message it hands back; false when none matches.
    @discardableResult
    mutating func recordReturn(exchange: String, routingKey: String, messageId: String?, body: Data,
                               code: Int, text: String) -> Bool {
        for sequence in publishOrder.elements {
            guard let sent = inFlight[sequence], sent.returned == nil, sent.exchange == exchange,
                  sent.routingKey == routingKey, sent.messageId == messageId, sent.body == body else { continue }
            inFlight[sequence]?.returned = (code, text)
            return true
        }
        unmatchedReturns += 1
        return false
    }

    /// True while `sequence` awaits its confirm or its outcome has not been taken yet.
    func knows(_ sequence: UInt64) -> Bool {
        inFlight[sequence] != nil || outcomes[sequence] != nil
    }

    func isSettled(_ sequence: UInt64) -> Bool { outcomes[sequence] != nil }

    /// Removes and returns the outcomes of `sequences`, in their order, once all are settled.
    mutating func takeOutcomes(_ sequences: [UInt64]) -> [AMQPPublishOutcome]? {
        guard sequences.allSatisfy({ outcomes[$0] != nil }) else { return nil }
        return sequences.map { outcomes.removeValue(forKey: $0)! }
    }

    private mutating func settle(_ tag: UInt64, multiple: Bool, outcome: (Sent) -> AMQPPublishOutcome) {
        if multiple {
            while let sequence = publishOrder.first, sequence <= tag {
                _ = publishOrder.popFirst()
                if let sent = inFlight.removeValue(forKey: sequence) { outcomes[sequence] = outcome(sent) }
            }
        } else if let sent = inFlight.removeValue(forKey: tag) {
            outcomes[tag] = outcome(sent)
        }
        // Single acks settle out of order; drop their numbers once they reach the front.
        while let sequence = publishOrder.first, inFlight[sequence] == nil {
            _ = publishOrder.popFirst()
        }
    }
}
