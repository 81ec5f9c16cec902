import Fleet

/// Every message of the catalogue by its wire type, so tools can read a message's data as the
/// Swift contract of that type and version would, whoever wrote it. `all` is generated from Schemas/.
public enum MessageTypes {
    /// The type whose wire name (`booking.create.v1`) is given.
    public static func named(_ name: String) -> (any Message.Type)? {
        all.first { $0.messageType.description == name }
    }

    /// Wire names that share the first part of `name`, to suggest when a name is not known.
    public static func suggestions(for name: String) -> [String] {
        let noun = name.split(separator: ".").first.map(String.init) ?? name
        return all.map { $0.messageType.description }.filter { $0.hasPrefix(noun) }.sorted()
    }
}
