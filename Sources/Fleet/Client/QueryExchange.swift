import AMQP
import Foundation

// How a query is asked and its answer read, for every client that asks.

extension OutgoingMessage {
    /// The AMQP message that asks this query: to the queries exchange, mandatory (a query no
    /// context answers comes back at once), not persisted, answered on `replyTo`, and expiring
    /// unanswered in the broker once the asker has given up.
    func asQuery(replyTo: String, timeout: Duration) -> AMQPOutgoingMessage {
        var message = amqpMessage
        message.exchange = Topology.queriesExchange
        message.mandatory = true
        message.properties.persistent = false
        message.properties.replyTo = replyTo
        message.properties.expiration = String(max(1, timeout.milliseconds))
        return message
    }
}

extension QueryReply {
    /// The data of an answer to `type`, or the `QueryError` the context answered with.
    static func data(of body: Data, answering type: MessageType, decoder: JSONDecoder) throws -> Response {
        let reply: QueryReply
        do {
            reply = try decoder.decode(QueryReply.self, from: body)
        } catch {
            let (field, reason) = describeDecodingFailure(error)
            throw QueryClient.Failure.undecodableReply(type: type, reason: "\(field) \(reason)")
        }
        if let error = reply.error { throw error }
        guard reply.ok, let data = reply.data else {
            throw QueryClient.Failure.undecodableReply(type: type, reason: "neither data nor error")
        }
        return data
    }
}
