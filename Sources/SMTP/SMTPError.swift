/// Why a message was not delivered, and whether trying again later may help.
public struct SMTPError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The server could not be reached, the connection broke, or it timed out.
        case connection
        /// The server answered 4xx: try again later.
        case temporaryReply = "temporary-reply"
        /// The server answered 5xx (an unknown recipient, a refused sender): trying again will not help.
        case permanentReply = "permanent-reply"
        /// TLS could not be set up, or the server refused the credentials.
        case security
        /// The message itself cannot be sent (a bad address, a header with a line break).
        case invalidMessage = "invalid-message"
    }

    public let kind: Kind
    /// What happened, with the server's own reply text when it gave one.
    public let message: String
    /// The last SMTP reply code, when the server answered.
    public let replyCode: Int?

    public init(_ kind: Kind, _ message: String, replyCode: Int? = nil) {
        self.kind = kind
        self.message = message
        self.replyCode = replyCode
    }

    /// Connection failures, timeouts and 4xx replies may pass. So may a failed TLS upgrade or a
    /// refused login: they are about this side's settings, not the message, so the message should
    /// wait (in the retry ladder, then the dead letters) until an operator fixes them and replays.
    public var isTransient: Bool {
        switch kind {
        case .connection, .temporaryReply, .security: true
        case .permanentReply, .invalidMessage: false
        }
    }

    public var description: String { message }
}
