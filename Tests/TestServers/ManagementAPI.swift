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
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            outcome.set(data: data, status: (response as? HTTPURLResponse)?.statusCode, error: error)
            done.signal()
        }.resume()
        done.wait()
        let (data, status, error) = outcome.get()
        if let error { throw Failure(description: "\(method) \(path): \(error)") }
        guard let status, status < 400 else {
            throw Failure(description: "\(method) \(path) answered \(status ?? 0): \(String(decoding: data ?? Data(), as: UTF8.self))")
        }
        return data ?? Data()
    }

    /// Decodes a JSON answer into a dictionary or array.
    public func json(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: try send("GET", path))
    }
}

private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    private var status: Int?
    private var error: Error?

    func set(data: Data?, status: Int?, error: Error?) {
        lock.lock(); defer { lock.unlock() }
        self.data = data; self.status = status; self.error = error
    }

    func get() -> (Data?, Int?, Error?) {
        lock.lock(); defer { lock.unlock() }
        return (data, status, error)
    }
}
