import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small synchronous client of the RabbitMQ management HTTP API, for test set-up and checks.
public struct ManagementAPI: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let base: URL
    public let user: String
    let authorization: String

    public init(baseURL: String) throws {
        guard let components = URLComponents(string: baseURL), let user = components.user else {
            throw Failure(description: "management URL \(baseURL) needs the form http://user:password@host:port")
        }
        var bare = components
        bare.user = nil
        bare.password = nil
        self.base = bare.url!
        self.user = user
        let credentials = "\(user):\(components.password ?? "")"
        self.authorization = "Basic " + Data(credentials.utf8).base64EncodedString()
    }

    /// Sends a request and returns the body; a status of 400 or more is an error that shows the body.
    @discardableResult
    public func send(_ method: String, _ path: String, body: String? = nil) throws -> Data {
        // The management API wants "/" inside a path segment written as %2F, which URL(string:) keeps.
        guard let url = URL(string: base.absoluteString + path) else {
            throw Failure(description: "bad management path \(path)")
        }
        var request = URLRequest(url: url, timeoutInterval: 30)
        request.httpMethod = method
        request.setValue(authorization, forHTTPHeaderField: "Authorization")
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (status, data) = try HTTPExchange.send(request)
        guard status > 0, status < 400 else {
            throw Failure(description: "\(method) \(path) answered \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }

    /// Decodes a JSON answer into a dictionary or array.
    public func json(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: try send("GET", path))
    }
}
