import AMQP
import Logging

extension [OutgoingMessage] {
    /// The ids of the messages the broker took, judged by their outcomes (in the same order). A
    /// message no queue takes counts as taken, since sending it again would change nothing; it is
    /// logged as dropped. A message the broker refused is logged and left out, to be sent again.
    func taken(by outcomes: some Sequence<AMQPPublishOutcome>, logger: Logger) -> [String] {
        var taken: [String] = []
        for (message, outcome) in zip(self, outcomes) {
            switch outcome {
            case .confirmed:
                taken.append(message.id)
            case .returned(let code, let text):
                logger.error("no queue takes this message; dropped by the broker", metadata: [
                    "message_id": "\(message.id)", "type": "\(message.type)", "reply": "\(code) \(text)"])
                taken.append(message.id)
            case .nacked:
                logger.warning("broker refused a message; it will be published again", metadata: [
                    "message_id": "\(message.id)", "type": "\(message.type)"])
            }
        }
        return taken
    }
}
