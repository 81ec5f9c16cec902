import Foundation

/// Turns an older version of a message into a newer one, so a consumer can accept every version
/// still in flight and handle only the newest.
public struct Upcaster<Target: Message>: Sendable {
    /// The versions this upcaster reads (its source, and whatever the source itself upcasts from).
    let routes: [(MessageType, @Sendable (Data, JSONDecoder) throws -> Target)]

    public init<Source: Message>(from source: Source.Type, _ convert: @escaping @Sendable (Source) -> Target) {
        var routes: [(MessageType, @Sendable (Data, JSONDecoder) throws -> Target)] = [
            (Source.messageType, { data, decoder in convert(try decodeData(Source.self, from: data, decoder: decoder)) })
        ]
        for older in Source.upcasters {
            for (type, decode) in older.routes {
                routes.append((type, { data, decoder in convert(try decode(data, decoder)) }))
            }
        }
        self.routes = routes
    }
}

/// Every version `T` accepts, with how to decode each from an envelope into `T`.
func acceptedVersions<T: Message>(of type: T.Type) -> [(MessageType, @Sendable (Data, JSONDecoder) throws -> T)] {
    var routes: [(MessageType, @Sendable (Data, JSONDecoder) throws -> T)] = [
        (T.messageType, { data, decoder in try decodeData(T.self, from: data, decoder: decoder) })
    ]
    for upcaster in T.upcasters { routes.append(contentsOf: upcaster.routes) }
    return routes
}

/// Decodes only the `data` member of an envelope document. Errors carry paths relative to
/// `data`, as the contract's fields are named.
func decodeData<T: Decodable>(_ type: T.Type, from envelope: Data, decoder: JSONDecoder) throws -> T {
    do {
        return try decoder.decode(DataMember<T>.self, from: envelope).data
    } catch let error as DecodingError {
        let relative = error.relativeToData()
        guard relative is DecodingError else { throw relative }
        // Described against the whole envelope, whose paths start at `data`, to quote the value.
        let (field, reason) = describeDecodingFailure(error, root: "", document: envelope)
        throw DataDecodingError(field: String(field.drop { $0 == "." }), reason: reason)
    }
}

extension DecodingError {
    /// Drops the leading `data` key that decoding through the envelope adds to every path.
    func relativeToData() -> any Error {
        func trimmed(_ context: Context) -> Context {
            let path = context.codingPath.first?.stringValue == "data" ? Array(context.codingPath.dropFirst()) : context.codingPath
            return Context(codingPath: path, debugDescription: context.debugDescription, underlyingError: context.underlyingError)
        }
        switch self {
        case .keyNotFound(let key, let context) where context.codingPath.isEmpty && key.stringValue == "data":
            return ValidationError(field: "data", "is required")
        case .keyNotFound(let key, let context): return DecodingError.keyNotFound(key, trimmed(context))
        case .valueNotFound(let type, let context): return DecodingError.valueNotFound(type, trimmed(context))
        case .typeMismatch(let type, let context): return DecodingError.typeMismatch(type, trimmed(context))
        case .dataCorrupted(let context): return DecodingError.dataCorrupted(trimmed(context))
        @unknown default: return self
        }
    }
}

private struct DataMember<T: Decodable>: Decodable {
    let data: T
}
