import CCurl
import CShims
import Curl
import Foundation

/// POSTs deliveries through libcurl, one blocking exchange each, on the caller's thread: call it
/// from the fleet's worker threads, never from Swift concurrency's cooperative pool. One poster
/// may be shared by threads; connections are kept between deliveries (`CurlHandlePool`).
///
/// Redirects are not followed, proxies from the environment are not used, and before each
/// connection the address the name resolved to is checked (`DestinationAddress`), so an
/// endpoint whose name points inside the fleet's networks is refused without a connection,
/// however its DNS answers change.
public final class HTTPPoster: Sendable {
    public struct Settings: Sendable, Equatable {
        public var connectTimeout: Duration
        /// The whole exchange, connection included.
        public var totalTimeout: Duration
        /// Reach loopback and private addresses too: for a fleet whose endpoints are its own,
        /// such as a local fleet and its tests (`AIRFLEET_WEBHOOK_ALLOW_PRIVATE`).
        public var allowPrivateAddresses: Bool

        public init(connectTimeout: Duration = .seconds(5), totalTimeout: Duration = .seconds(10), allowPrivateAddresses: Bool = false) {
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.allowPrivateAddresses = allowPrivateAddresses
        }
    }

    public let settings: Settings
    /// How much of an answer's body is kept, for reasons and logs.
    public static let excerptLimit = 300
    private let handles = CurlHandlePool(capacity: 16)

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    public func post(_ request: HTTPDeliveryRequest) -> HTTPDeliveryResult {
        if let problem = endpointURLProblem(request.url) { return .failed(.invalidURL, reason: "the endpoint URL \(problem)") }
        guard let handle = handles.take() else { return .failed(.connection, reason: "libcurl could not create a handle") }
        var answered = false
        defer { handles.giveBack(handle, reusable: answered) }
        let exchange = PostExchange(allowPrivate: settings.allowPrivateAddresses)
        let unmanaged = Unmanaged.passRetained(exchange)
        defer { unmanaged.release() }
        var headers: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Content-Type: \(request.contentType)")
        // No "Expect: 100-continue" round trip before the body.
        headers = curl_slist_append(headers, "Expect:")
        for header in request.headers { headers = curl_slist_append(headers, "\(header.name): \(header.value)") }
        defer { curl_slist_free_all(headers) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let code: CURLcode = request.body.withUnsafeBytes { body in
            errorBuffer.withUnsafeMutableBufferPointer { buffer in
                var options = CurlOptions(handle)
                options.setTransfer(url: request.url, connectTimeout: settings.connectTimeout, totalTimeout: settings.totalTimeout)
                options.set(CURLOPT_PROTOCOLS_STR, "http,https")
                options.set(CURLOPT_FOLLOWLOCATION, 0)
                options.set(CURLOPT_PROXY, "")
                options.set(CURLOPT_USERAGENT, "airfleet")
                options.set(CURLOPT_POST, 1)
                options.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: curl_off_t(body.count))
                options.set(CURLOPT_POSTFIELDS, pointer: UnsafeMutableRawPointer(mutating: body.baseAddress))
                options.set(CURLOPT_HTTPHEADER, pointer: UnsafeMutableRawPointer(headers))
                options.set(CURLOPT_WRITEFUNCTION, pointer: unsafeBitCast(PostExchange.writeCallback, to: UnsafeMutableRawPointer.self))
                options.set(CURLOPT_WRITEDATA, pointer: unmanaged.toOpaque())
                options.set(CURLOPT_OPENSOCKETFUNCTION, pointer: unsafeBitCast(PostExchange.openSocketCallback, to: UnsafeMutableRawPointer.self))
                options.set(CURLOPT_OPENSOCKETDATA, pointer: unmanaged.toOpaque())
                options.set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(buffer.baseAddress))
                guard options.status == CURLE_OK else { return options.status }
                return curl_easy_perform(handle)
            }
        }
        if code == CURLE_OK {
            var status = 0
            _ = airfleet_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            answered = true
            return .answered(status: status, excerpt: exchange.excerpt)
        }
        if let refused = exchange.refusedAddress {
            return .failed(.forbiddenAddress, reason: "the endpoint's address \(refused) is loopback, private, link-local or reserved; deliveries do not reach those (AIRFLEET_WEBHOOK_ALLOW_PRIVATE=true allows them)")
        }
        let detail = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        if code == CURLE_OPERATION_TIMEDOUT { return .failed(.timeout, reason: "no answer in time: \(message)") }
        return .failed(.connection, reason: "cannot reach the endpoint: \(message)")
    }
}

/// The state libcurl's callbacks reach through their user-data pointer.
private final class PostExchange {
    let allowPrivate: Bool
    var body = Data()
    /// The address a connection was refused to.
    var refusedAddress: String?

    init(allowPrivate: Bool) { self.allowPrivate = allowPrivate }

    var excerpt: String {
        var text = String(decoding: body.prefix(HTTPPoster.excerptLimit), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        text = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        return body.count > HTTPPoster.excerptLimit ? text + "…" : text
    }

    static let writeCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        data, size, count, user in
        guard let data, let user else { return 0 }
        let exchange = Unmanaged<PostExchange>.fromOpaque(user).takeUnretainedValue()
        let room = HTTPPoster.excerptLimit + 1 - exchange.body.count
        if room > 0 { exchange.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: min(room, size * count)) }
        return size * count
    }

    /// Opens the socket for a connection libcurl is about to make, unless its address is one
    /// deliveries may not reach: then no socket, and the transfer fails before connecting.
    static let openSocketCallback: @convention(c) (UnsafeMutableRawPointer?, curlsocktype, UnsafeMutablePointer<curl_sockaddr>?) -> curl_socket_t = {
        user, _, address in
        guard let user, let address else { return CURL_SOCKET_BAD }
        let exchange = Unmanaged<PostExchange>.fromOpaque(user).takeUnretainedValue()
        if !exchange.allowPrivate {
            let text = PostExchange.text(of: address)
            if DestinationAddress.isForbidden(text) {
                exchange.refusedAddress = text
                return CURL_SOCKET_BAD
            }
        }
        return socket(address.pointee.family, address.pointee.socktype, address.pointee.protocol)
    }

    private static func text(of address: UnsafeMutablePointer<curl_sockaddr>) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        withUnsafeMutablePointer(to: &address.pointee.addr) { socketAddress in
            switch Int32(address.pointee.family) {
            case AF_INET:
                socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                    _ = inet_ntop(AF_INET, &v4.pointee.sin_addr, &buffer, socklen_t(buffer.count))
                }
            case AF_INET6:
                socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                    _ = inet_ntop(AF_INET6, &v6.pointee.sin6_addr, &buffer, socklen_t(buffer.count))
                }
            default: break
            }
        }
        return String(cString: buffer)
    }
}
