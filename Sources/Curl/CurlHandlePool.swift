import CCurl
import CShims
import Synchronization

/// libcurl easy handles kept between transfers, each possibly holding an open connection.
///
/// A handle whose transfer went well goes back with its connection open, so the next transfer to
/// the same server skips the connect (and TLS, and for SMTP the greeting and login). After a
/// failure the handle and its connection are dropped, so a connection in an unknown state is
/// never reused. A taken handle belongs to one thread until it is given back.
public final class CurlHandlePool: Sendable {
    private let idle = Mutex<[Handle]>([])
    private let capacity: Int

    /// - Parameter capacity: handles kept idle at most: as many as transfers that run at once;
    ///   beyond that a connection is not worth keeping.
    public init(capacity: Int) {
        _ = Self.globalInit
        self.capacity = capacity
    }

    deinit {
        for handle in idle.withLock({ $0 }) { curl_easy_cleanup(handle.pointer) }
    }

    /// An easy handle moves between threads only through the pool's lock.
    private struct Handle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    /// A handle no other transfer holds, its options reset; nil when libcurl cannot make one.
    public func take() -> UnsafeMutableRawPointer? {
        if let handle = idle.withLock({ $0.popLast() }) {
            curl_easy_reset(handle.pointer)
            return handle.pointer
        }
        return curl_easy_init()
    }

    /// Gives back a handle whose transfer succeeded, or drops it (and its connection) when the
    /// transfer failed or the pool is full.
    public func giveBack(_ handle: UnsafeMutableRawPointer, reusable: Bool) {
        let kept = reusable && idle.withLock { idle in
            guard idle.count < capacity else { return false }
            idle.append(Handle(pointer: handle))
            return true
        }
        if !kept { curl_easy_cleanup(handle) }
    }

    /// curl_global_init(CURL_GLOBAL_ALL), once per process, before any handle (it is not thread-safe).
    private static let globalInit: Void = { _ = curl_global_init(3) }()
}

/// Sets options on an easy handle; the first option curl refuses stops the set-up, and later
/// ones are skipped, so one check at the end says whether all of them took.
public struct CurlOptions: ~Copyable {
    private let handle: UnsafeMutableRawPointer
    public private(set) var status = CURLE_OK

    public init(_ handle: UnsafeMutableRawPointer) { self.handle = handle }

    /// What every transfer sets: the URL, no signals (transfers run on the fleet's worker
    /// threads, where libcurl's alarm-based DNS timeout must not fire) and the two timeouts.
    public mutating func setTransfer(url: String, connectTimeout: Duration, totalTimeout: Duration) {
        set(CURLOPT_URL, url)
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_CONNECTTIMEOUT_MS, connectTimeout.wholeMilliseconds)
        set(CURLOPT_TIMEOUT_MS, totalTimeout.wholeMilliseconds)
    }

    public mutating func set(_ option: CURLoption, _ value: Int) {
        if status == CURLE_OK { status = airfleet_curl_setopt_long(handle, option, value) }
    }

    public mutating func set(_ option: CURLoption, _ value: String) {
        if status == CURLE_OK { status = airfleet_curl_setopt_string(handle, option, value) }
    }

    public mutating func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) {
        if status == CURLE_OK { status = airfleet_curl_setopt_pointer(handle, option, value) }
    }

    public mutating func set(_ option: CURLoption, offset value: curl_off_t) {
        if status == CURLE_OK { status = airfleet_curl_setopt_offset(handle, option, value) }
    }
}

extension Duration {
    /// Milliseconds, as libcurl's `_MS` options take them.
    public var wholeMilliseconds: Int {
        Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000)
    }
}
