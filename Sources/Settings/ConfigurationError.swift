/// A setting that cannot be used as given; the message names the variable and what it expects.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
