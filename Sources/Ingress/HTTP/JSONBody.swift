import Fleet
import Foundation
import Hummingbird
import NIOCore

/// Reads request bodies as JSON with the ingress's rules: JSON media type, a size limit (413),
/// and a problem naming the field at fault when the JSON does not fit the request's shape.
struct JSONBody: Sendable {
    let limit: Int

    func decode<T: Decodable>(_ type: T.Type, from request: Request, context: IngressRequestContext) async throws -> T {
        guard let value = try await decodeIfPresent(type, from: request, context: context) else {
            throw Problem.invalid("body", "a JSON object is required")
        }
        return value
    }

    /// nil for an empty body, for routes whose every field is optional.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, from request: Request, context: IngressRequestContext) async throws -> T? {
        if let mediaType = request.headers[.contentType],
           !(mediaType.lowercased().hasPrefix("application/json") || mediaType.lowercased().contains("+json")) {
            throw Problem.unsupportedMediaType(mediaType)
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem.bodyTooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem.bodyTooLarge(limit: limit)
        } catch is NIOTooManyBytesError {
            throw Problem.bodyTooLarge(limit: limit)
        }
        guard buffer.readableBytes > 0 else { return nil }
        do {
            let document = Data(buffer.readableBytesView)
            return try FleetJSON.standardDecoder.decode(T.self, from: document)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                throw Problem.malformedJSON("the body is not valid JSON: \(Self.underlyingReason(context))")
            }
            let (field, reason) = describeDecodingFailure(error, root: "", document: Data(buffer.readableBytesView))
            throw Problem.invalid(field.hasPrefix(".") ? String(field.dropFirst()) : (field.isEmpty ? "body" : field), reason)
        }
    }

    private static func underlyingReason(_ context: DecodingError.Context) -> String {
        (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
    }
}
