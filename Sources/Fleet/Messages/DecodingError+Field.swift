/// Describes a decoding failure by the path of the field at fault, the way a person reading
/// the JSON would look for it: `data.passengers[0].lastName: missing`.
public func describeDecodingFailure(_ error: any Error, root: String = "data") -> (field: String, reason: String) {
    guard let error = error as? DecodingError else { return (root, "\(error)") }
    func path(_ codingPath: [any CodingKey], appending key: (any CodingKey)? = nil) -> String {
        var text = root
        for key in codingPath + (key.map { [$0] } ?? []) {
            if let index = key.intValue { text += "[\(index)]" } else { text += ".\(key.stringValue)" }
        }
        return text
    }
    switch error {
    case .keyNotFound(let key, let context):
        return (path(context.codingPath, appending: key), "is required")
    case .valueNotFound(let type, let context):
        return (path(context.codingPath), "must be \(jsonName(of: type)), not null")
    case .typeMismatch(let type, let context):
        return (path(context.codingPath), "must be \(jsonName(of: type))")
    case .dataCorrupted(let context):
        if context.codingPath.isEmpty { return (root, "is not valid JSON: \(context.debugDescription)") }
        return (path(context.codingPath), context.debugDescription)
    @unknown default:
        return (root, "\(error)")
    }
}

private func jsonName(of type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type: return "an integer"
    case is Double.Type, is Float.Type: return "a number"
    case is Bool.Type: return "true or false"
    default:
        let name = "\(type)"
        if name.hasPrefix("Array") { return "an array" }
        if name.hasPrefix("Dictionary") { return "an object" }
        return "an object (\(name))"
    }
}
