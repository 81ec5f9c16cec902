import Fleet
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension Response {
    /// A JSON body written the way messages are (ISO 8601 times with milliseconds).
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        let body = try FleetJSON.standardEncoder.encode(value)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
