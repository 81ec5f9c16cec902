import Foundation

/// An event handed on as it came, for a context that forwards events it does not read
/// (`HandlerRegistry.forwardOtherEvents`): its envelope's attributes and the whole body.
public struct ForwardedEvent: Sendable {
    public let header: EnvelopeHeader
    public let type: MessageType
    /// The CloudEvents JSON document exactly as it was published.
    public let body: Data
}
