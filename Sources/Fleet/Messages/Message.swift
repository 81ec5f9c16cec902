import Foundation

/// Whether a message asks for something to happen, says that it happened, or asks a question.
public enum MessageKind: String, Sendable, Codable {
    case command, event, query
}

/// A versioned message of the catalogue: its Swift type is its contract.
///
/// A consumer handles the newest version of a message and lists, in `upcasters`, how each older
/// version it still accepts becomes the newest one.
public protocol Message: Codable, Sendable {
    static var messageType: MessageType { get }
    static var kind: MessageKind { get }
    /// Older versions this one can be made from, newest first.
    static var upcasters: [Upcaster<Self>] { get }
    /// Rules decoding cannot express (ranges, formats, cross-field rules). Throw a
    /// `ValidationError` that names the field.
    func validate() throws
}

extension Message {
    public static var upcasters: [Upcaster<Self>] { [] }
    public func validate() throws {}
}

/// A request for a change, owned by exactly one context.
public protocol Command: Message {}
extension Command {
    public static var kind: MessageKind { .command }
}

/// A fact that happened; any context may follow it.
public protocol Event: Message {}
extension Event {
    public static var kind: MessageKind { .event }
}

/// A question answered over direct reply-to; it changes nothing.
public protocol Query: Message {
    associatedtype Response: Codable & Sendable
}
extension Query {
    public static var kind: MessageKind { .query }
}

/// A message that decoded but breaks a rule of its contract.
public struct ValidationError: Error, CustomStringConvertible, Sendable {
    /// The JSON path of the field at fault, relative to `data` (for example `passengers[0].lastName`).
    public let field: String
    public let reason: String

    public init(field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}
