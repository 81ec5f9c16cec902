import CRabbitMQ
import Foundation

/// A failed AMQP operation: what was being done, what went wrong, and whether the connection
/// survived it.
public struct AMQPError: Error, CustomStringConvertible, Sendable {
    /// The family of failure, for callers that branch on it.
    public enum Kind: Sendable, Equatable {
        /// A bad URL or setting; nothing was attempted.
        case configuration
        /// Could not connect or log in (refused, unreachable, wrong credentials, no vhost).
        case connectionFailed
        /// The broker closed the connection (connection.close, e.g. 320 on shutdown) or the
        /// TCP connection ended; also any use of a closed connection.
        case connectionClosed
        /// The broker closed the channel (e.g. 404, 406), or cancelled a consumer.
        case channelClosed
        /// A socket read or write failed.
        case socket
        /// The broker sent nothing for two heartbeat intervals.
        case heartbeatTimeout
        /// A synchronous method or a confirm wait ran out of time.
        case timeout
        /// The broker sent something the protocol does not allow here.
        case unexpectedFrame
        /// Free for callers that treat a nack or a return as a failure; this module reports
        /// those as `AMQPPublishOutcome` values instead.
        case notConfirmed
        /// The call does not fit the object's state (a closed channel, an unknown sequence
        /// number, a table too big for a frame).
        case invalidState
    }

    public let kind: Kind
    /// What was being done, with the names involved, e.g. "declare queue 'airfleet.flights'".
    public let operation: String
    /// The AMQP reply code when the broker closed a channel or the connection (e.g. 406).
    public let replyCode: Int?
    /// The broker's reply text, e.g. "PRECONDITION_FAILED - inequivalent arg 'x-max-length' …".
    public let replyText: String?
    /// Why it failed, in words; the broker's code and text are already part of it.
    public let reason: String
    private let connectionUnusable: Bool

    public init(_ kind: Kind, operation: String, reason: String, replyCode: Int? = nil,
                replyText: String? = nil, connectionLost: Bool? = nil) {
        self.kind = kind
        self.operation = operation
        self.reason = reason
        self.replyCode = replyCode
        self.replyText = replyText
        self.connectionUnusable = connectionLost ?? Self.kindsThatLoseTheConnection.contains(kind)
    }

    private static let kindsThatLoseTheConnection: [Kind] = [
        .connectionFailed, .connectionClosed, .socket, .heartbeatTimeout, .unexpectedFrame,
    ]

    /// True when the connection is unusable and must be reopened (socket error, missed
    /// heartbeats, connection.close from the broker, a protocol error, an operation on a
    /// connection that is already gone). Channel-level errors leave the connection usable.
    public var isConnectionLost: Bool { connectionUnusable }

    public var description: String { "\(operation) failed: \(reason)" }

    /// The same failure, reported for another operation (a connection lost earlier makes every
    /// later operation fail, and each caller should read its own operation in the message).
    func reported(for otherOperation: String) -> AMQPError {
        AMQPError(kind, operation: otherOperation, reason: reason, replyCode: replyCode,
                  replyText: replyText, connectionLost: connectionUnusable)
    }
}

extension AMQPError {
    static func brokerClosedChannel(_ operation: String, channel: UInt16, code: Int, text: String) -> AMQPError {
        AMQPError(.channelClosed, operation: operation,
                  reason: "the broker closed channel \(channel) with \(code) \(text)",
                  replyCode: code, replyText: text)
    }

    static func brokerClosedConnection(_ operation: String, code: Int, text: String) -> AMQPError {
        AMQPError(.connectionClosed, operation: operation,
                  reason: "the broker closed the connection with \(code) \(text)",
                  replyCode: code, replyText: text)
    }

    /// Translates a negative rabbitmq-c status code. Anything that leaves the socket in an
    /// unknown state counts as a lost connection, because rabbitmq-c cannot resynchronise a
    /// frame stream.
    static func library(_ status: Int32, _ operation: String) -> AMQPError {
        let text = String(cString: amqp_error_string2(status))
        switch amqp_status_enum(rawValue: status) {
        case AMQP_STATUS_TIMEOUT:
            return AMQPError(.timeout, operation: operation, reason: "timed out (\(text))", connectionLost: true)
        case AMQP_STATUS_HEARTBEAT_TIMEOUT:
            return AMQPError(.heartbeatTimeout, operation: operation,
                             reason: "the broker sent nothing for two heartbeat intervals, so the connection is dead")
        case AMQP_STATUS_CONNECTION_CLOSED, AMQP_STATUS_SOCKET_CLOSED:
            return AMQPError(.connectionClosed, operation: operation, reason: "the TCP connection was closed (\(text))")
        case AMQP_STATUS_SOCKET_ERROR, AMQP_STATUS_TCP_ERROR, AMQP_STATUS_SSL_ERROR:
            let errnoText = errno == 0 ? "" : ": \(String(cString: strerror(errno)))"
            return AMQPError(.socket, operation: operation, reason: "\(text)\(errnoText)")
        case AMQP_STATUS_HOSTNAME_RESOLUTION_FAILED:
            return AMQPError(.connectionFailed, operation: operation, reason: text)
        case AMQP_STATUS_TABLE_TOO_BIG, AMQP_STATUS_INVALID_PARAMETER:
            // Detected before anything was written, so the connection is still in sync.
            return AMQPError(.invalidState, operation: operation, reason: text, connectionLost: false)
        default:
            return AMQPError(.unexpectedFrame, operation: operation, reason: text)
        }
    }
}
