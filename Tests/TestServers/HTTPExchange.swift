import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One synchronous HTTP request, for test set-up and checks against real servers.
public enum HTTPExchange {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The status and body of the answer; only a transport error throws.
    public static func send(_ request: URLRequest) throws -> (status: Int, body: Data) {
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            outcome.set(data: data, status: (response as? HTTPURLResponse)?.statusCode, error: error)
            done.signal()
        }.resume()
        done.wait()
        let (data, status, error) = outcome.get()
        if let error { throw Failure(description: "\(request.httpMethod ?? "GET") \(request.url?.absoluteString ?? ""): \(error)") }
        return (status ?? 0, data ?? Data())
    }
}

/// A port on 127.0.0.1 that nothing listens on as this returns.
public func freeLocalPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
        }
    }
    guard bound else { throw HTTPExchange.Failure(description: "cannot find a free port on 127.0.0.1") }
    return Int(UInt16(bigEndian: address.sin_port))
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
