/// Why the broker could not carry a request.
public enum BrokerClientError: Error, Sendable, CustomStringConvertible {
    /// No connection to RabbitMQ right now.
    case unavailable(String)
    /// The broker refused or could not route the message.
    case notDelivered(String)
    /// A query had no answer within its time.
    case timedOut(String)

    static let unreachable = BrokerClientError.unavailable("RabbitMQ is not reachable right now; try again shortly")

    public var description: String {
        switch self {
        case .unavailable(let text), .notDelivered(let text), .timedOut(let text): text
        }
    }
}
