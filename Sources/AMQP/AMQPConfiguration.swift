import Foundation
import Identifiers

/// Where and how to connect to the broker, usually read from an `amqp://` URL.
///
/// URL form: `amqp://user:password@host:port/vhost?heartbeat=30&connection_name=x&connection_timeout=5`.
/// The virtual host is percent-decoded (`%2F` is `/`); an empty path or `/` means the default
/// virtual host `/`. Timeouts in the query are in seconds (fractions allowed).
///
/// The nodes of a cluster are a comma-separated list of such URLs, which differ only in their
/// host and port: a connection goes to one node and, when it cannot, to the next
/// (`AMQPConnection`).
public struct AMQPConfiguration: Sendable, Equatable {
    /// The node connected to first.
    public var host: String
    public var port: Int
    /// The cluster's other nodes, tried in turn when `host` does not answer.
    public var otherNodes: [Node] = []
    public var user: String
    public var password: String
    /// `/` by default.
    public var virtualHost: String
    /// Seconds between heartbeats (0 turns them off); the broker may lower it. `?heartbeat=N`.
    public var heartbeat: Int
    /// Shown in the management UI. `?connection_name=x`.
    public var connectionName: String?
    /// Seconds allowed for the TCP connect and, separately, for the AMQP handshake.
    /// `?connection_timeout=N`.
    public var connectTimeout: Double
    /// Largest frame asked of the broker. `?frame_max=N`.
    public var frameMax: Int
    /// Seconds a synchronous method (declare, bind, consume, close…) may wait for its answer
    /// before the connection is given up as wedged. `?rpc_timeout=N`.
    public var rpcTimeout: Double
    /// More client properties to show the broker (and its management API) beside the
    /// connection's name: where a process serves its metrics, say.
    public var clientProperties: [String: String] = [:]

    public init(host: String = "127.0.0.1", port: Int = 5672, user: String = "guest",
                password: String = "guest", virtualHost: String = "/", heartbeat: Int = 30,
                connectionName: String? = nil, connectTimeout: Double = 5, frameMax: Int = 131_072,
                rpcTimeout: Double = 30) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.virtualHost = virtualHost
        self.heartbeat = heartbeat
        self.connectionName = connectionName
        self.connectTimeout = connectTimeout
        self.frameMax = frameMax
        self.rpcTimeout = rpcTimeout
    }

    /// One URL, or the comma-separated URLs of a cluster's nodes.
    public init(url: String) throws {
        let entries = urlListEntries(url)
        guard entries.count > 1 else {
            self = try AMQPConfiguration(nodeURL: url)
            return
        }
        var nodes: [AMQPConfiguration] = []
        for (index, entry) in entries.enumerated() {
            func refuse(_ reason: String) -> AMQPError {
                AMQPError(.configuration, operation: "read the AMQP URL list \(redactingPassword(in: url))",
                          reason: "entry \(index + 1) '\(redactingPassword(in: entry))' \(reason)")
            }
            guard !entry.isEmpty else { throw refuse("is empty (two commas in a row, or one at an end)") }
            let node: AMQPConfiguration
            do {
                node = try AMQPConfiguration(nodeURL: entry)
            } catch let error as AMQPError {
                throw refuse("is not valid: \(error.reason)")
            }
            if let first = nodes.first, node.connectingTo(first.nodes[0]) != first {
                throw refuse("differs from the first in more than its host and port: the nodes of one cluster take the same user, password, virtual host and settings")
            }
            nodes.append(node)
        }
        var cluster = nodes[0]
        cluster.otherNodes = nodes.dropFirst().map(\.nodes[0])
        self = cluster
        let seen = nodes.map { Node(host: $0.host.lowercased(), port: $0.port) }
        if let repeated = seen.indices.first(where: { seen[..<$0].contains(seen[$0]) }) {
            throw AMQPError(.configuration, operation: "read the AMQP URL list \(redactingPassword(in: url))",
                            reason: "entry \(repeated + 1) lists the node \(nodes[repeated].nodes[0]) again")
        }
    }

    private init(nodeURL url: String) throws {
        self.init()
        let operation = "read the AMQP URL \(redactingPassword(in: url))"
        func invalid(_ reason: String) -> AMQPError {
            AMQPError(.configuration, operation: operation, reason: reason)
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw invalid("it is not a URL of the form amqp://user:password@host:port/vhost")
        }
        switch scheme {
        case "amqp": break
        case "amqps": throw invalid("TLS (amqps://) is not supported yet; use amqp:// on a trusted network")
        default: throw invalid("the scheme is '\(scheme)', expected amqp://")
        }
        if let user = components.user { self.user = user }
        if let password = components.password { self.password = password }
        if let host = components.host, !host.isEmpty {
            // URLComponents keeps the brackets of an IPv6 literal; getaddrinfo wants it bare.
            self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        }
        if let port = components.port {
            guard (1...65_535).contains(port) else { throw invalid("port \(port) is out of range") }
            self.port = port
        }
        virtualHost = try Self.virtualHost(fromPath: components.percentEncodedPath, invalid)
        for item in components.queryItems ?? [] {
            try apply(queryItem: item, invalid)
        }
    }

    private static func virtualHost(fromPath path: String, _ invalid: (String) -> AMQPError) throws -> String {
        if path.isEmpty || path == "/" { return "/" }
        let encoded = path.dropFirst()
        // A second unencoded slash is ambiguous; the AMQP URI spec asks for %2F inside a name.
        guard !encoded.contains("/") else {
            throw invalid("the path '\(path)' has more than one segment; write a '/' inside a virtual host name as %2F")
        }
        guard let name = String(encoded).removingPercentEncoding else {
            throw invalid("the virtual host '\(encoded)' is not valid percent-encoding")
        }
        return name
    }

    private mutating func apply(queryItem item: URLQueryItem, _ invalid: (String) -> AMQPError) throws {
        let value = item.value ?? ""
        func seconds() throws -> Double {
            guard let number = Double(value), number.isFinite, number > 0 else {
                throw invalid("\(item.name)=\(value) is not a positive number of seconds")
            }
            return number
        }
        switch item.name {
        case "heartbeat":
            guard let number = Int(value), (0...65_535).contains(number) else {
                throw invalid("heartbeat=\(value) is not a whole number of seconds between 0 and 65535")
            }
            heartbeat = number
        case "connection_name":
            connectionName = value.isEmpty ? nil : value
        case "connection_timeout":
            connectTimeout = try seconds()
        case "rpc_timeout":
            rpcTimeout = try seconds()
        case "frame_max":
            guard let number = Int(value), (4_096...Int(Int32.max)).contains(number) else {
                throw invalid("frame_max=\(value) must be a whole number from 4096 up")
            }
            frameMax = number
        default:
            throw invalid("unknown query parameter '\(item.name)' (known: heartbeat, connection_name, connection_timeout, rpc_timeout, frame_max)")
        }
    }

    public func withVirtualHost(_ name: String) -> AMQPConfiguration {
        var copy = self
        copy.virtualHost = name
        return copy
    }

    public func withConnectionName(_ name: String) -> AMQPConfiguration {
        var copy = self
        copy.connectionName = name
        return copy
    }

    public func withClientProperty(_ name: String, _ value: String) -> AMQPConfiguration {
        var copy = self
        copy.clientProperties[name] = value
        return copy
    }

    /// The URL (of the node connected to first) with the password replaced by `***`, for logs
    /// and error messages.
    public var redactedURL: String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let encodedUser = user.addingPercentEncoding(withAllowedCharacters: allowed) ?? user
        let encodedHost = host.contains(":") ? "[\(host)]" : host
        let path = virtualHost == "/" ? "/" : "/" + (virtualHost.addingPercentEncoding(withAllowedCharacters: allowed) ?? virtualHost)
        return "amqp://\(encodedUser):***@\(encodedHost):\(port)\(path)"
    }
}

extension AMQPConfiguration {
    /// Where one node of the broker listens.
    public struct Node: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// Every node, the one connected to first at the head.
    public var nodes: [Node] { [Node(host: host, port: port)] + otherNodes }

    /// Every node's URL, password replaced, comma-separated: what a message about the whole
    /// cluster names.
    public var redactedURLs: String { nodes.map { connectingTo($0).redactedURL }.joined(separator: ",") }

    /// This configuration for one node alone.
    public func connectingTo(_ node: Node) -> AMQPConfiguration {
        var copy = self
        copy.host = node.host
        copy.port = node.port
        copy.otherNodes = []
        return copy
    }
}
