/// Why a message could not be handled, as written in the `x-airfleet-error-kind` header of its
/// dead letter. The kind decides its path: permanent kinds go to the dead letters at once,
/// `transient` climbs the retry ladder first.
public enum FailureKind: String, Sendable, Codable, CaseIterable {
    /// The body is not JSON, or not a CloudEvents envelope.
    case malformed
    /// Nobody in this context handles the message's type.
    case unknownType = "unknown-type"
    /// The type is known here but not at this major version.
    case unsupportedVersion = "unsupported-version"
    /// The data does not decode into the contract, or breaks one of its rules.
    case invalid
    /// The handler refused the message for good.
    case rejected
    /// The handler failed in a way that may pass (a timeout, a service away); retried.
    case transient
    /// A transient failure that outlived the whole retry ladder.
    case retriesExhausted = "retries-exhausted"
    /// The consumer process died again and again while handling it.
    case crashedConsumer = "crashed-consumer"

    public var isPermanent: Bool { self != .transient }
}

/// What a handler throws to say how its failure should be treated. Any other error thrown by a
/// handler counts as transient: it is retried, then dead-lettered.
public struct HandlerError: Error, CustomStringConvertible, Sendable {
    public let isPermanent: Bool
    public let message: String
    /// Set by `later`: how long the message should wait before it is handled again.
    public let wait: Duration?

    /// The message can never succeed (a rule of the domain refuses it): dead-letter it now.
    public static func permanent(_ message: String) -> HandlerError {
        HandlerError(isPermanent: true, message: message, wait: nil)
    }

    /// Worth trying again later: climb the retry ladder.
    public static func transient(_ message: String) -> HandlerError {
        HandlerError(isPermanent: false, message: message, wait: nil)
    }

    /// Not yet, and the handler knows when (a breaker that reopens in 20 s): the message leaves
    /// its batch and comes back after about `wait` without climbing the ladder, through the
    /// retry queue of the longest rung not above `wait` (the shortest rung if all are), as often
    /// as the handler says so. The handler must bound its own waiting (a deadline in the message).
    public static func later(_ message: String, after wait: Duration) -> HandlerError {
        HandlerError(isPermanent: false, message: message, wait: wait)
    }

    public var description: String { message }
}

/// A message's failure, with the reason a person will read in the dead letters.
struct MessageFailure: Error, CustomStringConvertible {
    let kind: FailureKind
    let reason: String
    /// A wait the handler asked for (`HandlerError.later`) instead of the ladder's next rung.
    var wait: Duration? = nil

    var description: String { "\(kind.rawValue): \(reason)" }

    /// Classifies what a handler threw.
    static func from(handlerError error: any Error) -> MessageFailure {
        switch error {
        case let error as HandlerError:
            return MessageFailure(kind: error.isPermanent ? .rejected : .transient, reason: error.message, wait: error.wait)
        case let error as ValidationError:
            return MessageFailure(kind: .invalid, reason: error.description)
        case is DecodingError, is DataDecodingError:
            let (field, reason) = describeDecodingFailure(error)
            return MessageFailure(kind: .invalid, reason: "\(field) \(reason)")
        default:
            return MessageFailure(kind: .transient, reason: String(describing: error))
        }
    }
}
