import AMQP
import Contracts
import Fleet

/// What `airfleet publish --wait` can say when no outcome came in time: the command's queue,
/// how many messages were ahead of it and how many consumers take from that queue, read from
/// the broker before publishing and after waiting.
struct WaitReport: Equatable {
    let queue, context: String
    /// Messages ready in the queue just before the command was published.
    let ahead: Int
    /// Ready now, and consumers now.
    let waiting, consumers: Int

    /// The queue a command goes to: its owning context's.
    static func destination(of type: MessageType) -> (context: String, queue: String)? {
        guard let owner = Catalogue.contexts.first(where: { $0.commands.contains(type) }) else { return nil }
        return (owner.name, Topology.queue(of: owner.name))
    }

    func explain(id: String, waited seconds: Int) -> String {
        let start = "no outcome within \(seconds) s; the message was delivered to \(queue) (id \(id))"
        guard consumers > 0 else {
            return "\(start), which has no consumer: no process of the \(context) context is running; "
                + "start one (ops/up, or airfleet consume \(context)) and the command will be handled"
        }
        let who = consumers == 1 ? "1 consumer" : "\(consumers) consumers"
        guard ahead > 0 || waiting > 0 else {
            return "\(start), which has \(who) and no messages waiting: the command is being handled or retried; "
                + "see airfleet dlq list and the \(context) context's log"
        }
        return "\(start) behind \(Self.count(ahead)); the queue has \(who) and \(Self.count(waiting)) waiting now: "
            + "the command is still in line; wait longer (--wait), or see airfleet status"
    }

    private static func count(_ messages: Int) -> String { messages == 1 ? "1 message" : "\(messages) messages" }
}
