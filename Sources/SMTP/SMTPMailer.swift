import CCurl
import CShims
import Foundation
import Settings
import Synchronization

/// Sends mail through libcurl's SMTP client, one blocking exchange per message.
///
/// libcurl's easy interface blocks the calling thread for the whole exchange, so call `send`
/// only from threads of your own (the fleet's worker threads), never from Swift concurrency's
/// cooperative pool. A mailer may be shared: each `send` takes an easy handle no other send
/// holds.
///
/// A handle whose exchange went well goes back to a small pool with its connection open, and
/// the next message on it skips the connect, the greeting, EHLO, STARTTLS and the login:
/// libcurl reuses a live SMTP connection and starts at MAIL FROM. After a failure the handle and
/// its connection are dropped, so a session in an unknown state is never reused. libcurl closes
/// a connection idle longer than its maximum age, and reconnects when the server closed it.
public final class SMTPMailer: Sendable {
    public let settings: SMTPSettings
    /// Idle handles, each possibly holding an open session.
    private let idle = Mutex<[IdleHandle]>([])
    /// Sessions kept open for reuse: as many as senders that should run at once; beyond that a
    /// session is not worth keeping.
    public static let poolSize = 16

    public init(settings: SMTPSettings) {
        _ = Self.globalInit
        self.settings = settings
    }

    /// An easy handle no send holds; it moves between threads only through the pool's lock.
    private struct IdleHandle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    deinit {
        for handle in idle.withLock({ $0 }) { curl_easy_cleanup(handle.pointer) }
    }

    private func takeHandle() -> UnsafeMutableRawPointer? {
        if let handle = idle.withLock({ $0.popLast() }) {
            curl_easy_reset(handle.pointer)
            return handle.pointer
        }
        return curl_easy_init()
    }

    private func putBack(_ handle: UnsafeMutableRawPointer) {
        let kept = idle.withLock { idle in
            guard idle.count < Self.poolSize else { return false }
            idle.append(IdleHandle(pointer: handle))
            return true
        }
        if !kept { curl_easy_cleanup(handle) }
    }

    /// curl_global_init(CURL_GLOBAL_ALL), once per process, before any handle (it is not thread-safe).
    private static let globalInit: Void = { _ = curl_global_init(3) }()

    /// Delivers `message` to its recipient, or throws an `SMTPError` saying whether a later try may pass.
    public func send(_ message: MailMessage) throws(SMTPError) {
        try message.validate()
        guard let handle = takeHandle() else { throw SMTPError(.connection, "libcurl could not create a handle") }
        var sent = false
        defer { if sent { putBack(handle) } else { curl_easy_cleanup(handle) } }
        let exchange = Exchange(payload: message.rendered())
        let unmanaged = Unmanaged.passRetained(exchange)
        defer { unmanaged.release() }
        let recipients: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "<\(message.to.address)>")
        defer { curl_slist_free_all(recipients) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { buffer in
            var setup = CURLE_OK
            // The first option curl refuses stops the set-up; later ones are skipped.
            func setLong(_ option: CURLoption, _ value: Int) {
                if setup == CURLE_OK { setup = airfleet_curl_setopt_long(handle, option, value) }
            }
            func setString(_ option: CURLoption, _ value: String) {
                if setup == CURLE_OK { setup = airfleet_curl_setopt_string(handle, option, value) }
            }
            func setPointer(_ option: CURLoption, _ value: UnsafeMutableRawPointer?) {
                if setup == CURLE_OK { setup = airfleet_curl_setopt_pointer(handle, option, value) }
            }
            setString(CURLOPT_URL, settings.url)
            setLong(CURLOPT_NOSIGNAL, 1)
            setLong(CURLOPT_CONNECTTIMEOUT_MS, Int(settings.connectTimeout.milliseconds))
            setLong(CURLOPT_TIMEOUT_MS, Int(settings.totalTimeout.milliseconds))
            if !settings.isImplicitTLS {
                let mode: curl_usessl = switch settings.startTLS {
                case .off: CURLUSESSL_NONE
                case .opportunistic: CURLUSESSL_TRY
                case .required: CURLUSESSL_ALL
                }
                setLong(CURLOPT_USE_SSL, Int(mode.rawValue))
            }
            if let caBundle = settings.caBundle { setString(CURLOPT_CAINFO, caBundle) }
            if let username = settings.username { setString(CURLOPT_USERNAME, username) }
            if let password = settings.password { setString(CURLOPT_PASSWORD, password) }
            setString(CURLOPT_MAIL_FROM, "<\(settings.sender.address)>")
            setPointer(CURLOPT_MAIL_RCPT, UnsafeMutableRawPointer(recipients))
            setLong(CURLOPT_UPLOAD, 1)
            if setup == CURLE_OK { setup = airfleet_curl_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(exchange.payload.count)) }
            setPointer(CURLOPT_READFUNCTION, unsafeBitCast(Exchange.readCallback, to: UnsafeMutableRawPointer.self))
            setPointer(CURLOPT_READDATA, unmanaged.toOpaque())
            // The server's reply lines arrive through the debug callback only; they carry the
            // text a person needs ("550 5.1.1 mailbox unavailable"), which curl's own errors drop.
            setLong(CURLOPT_VERBOSE, 1)
            setPointer(CURLOPT_DEBUGFUNCTION, unsafeBitCast(Exchange.debugCallback, to: UnsafeMutableRawPointer.self))
            setPointer(CURLOPT_DEBUGDATA, unmanaged.toOpaque())
            setPointer(CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(buffer.baseAddress))
            guard setup == CURLE_OK else { return setup }
            return curl_easy_perform(handle)
        }
        if code == CURLE_OK {
            sent = true
            return
        }
        var replyCode = 0
        _ = airfleet_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &replyCode)
        let detail = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        throw Self.classify(code: code, curlMessage: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail,
                            replyCode: replyCode, refusal: exchange.refusal)
    }

    /// Sorts a failed exchange into transient and permanent, keeping the server's words.
    /// A refusal the server gave (4xx or 5xx to MAIL, RCPT or DATA) decides first: curl reports
    /// those as send errors, and its last reply code may be QUIT's 221.
    static func classify(code: CURLcode, curlMessage: String, replyCode: Int, refusal: SMTPReply?) -> SMTPError {
        if let refusal, code != CURLE_LOGIN_DENIED {
            return refusal.code >= 500
                ? SMTPError(.permanentReply, "SMTP server refused: \(refusal.text)", replyCode: refusal.code)
                : SMTPError(.temporaryReply, "SMTP server refused for now: \(refusal.text)", replyCode: refusal.code)
        }
        let reply = refusal.map { " (server said: \($0.text))" } ?? ""
        let lastCode = replyCode == 0 ? nil : replyCode
        switch code {
        case CURLE_LOGIN_DENIED, CURLE_USE_SSL_FAILED, CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE:
            return SMTPError(.security, "SMTP TLS or login failed: \(curlMessage)\(reply); check AIRFLEET_SMTP_URL, AIRFLEET_SMTP_STARTTLS and AIRFLEET_SMTP_CA_BUNDLE",
                             replyCode: lastCode)
        default:
            return SMTPError(.connection, "cannot deliver through the SMTP server: \(curlMessage)\(reply)", replyCode: lastCode)
        }
    }
}

/// One reply line of the server: `550 5.1.1 mailbox unavailable`.
struct SMTPReply: Equatable {
    let code: Int
    let text: String

    init?(line: String) {
        guard line.count >= 3, let code = Int(line.prefix(3)), (200..<600).contains(code) else { return nil }
        self.code = code
        self.text = line
    }
}

/// The state libcurl's callbacks reach through their user-data pointer.
private final class Exchange {
    let payload: Data
    var offset = 0
    /// The last 4xx or 5xx reply line the server sent.
    var refusal: SMTPReply?

    init(payload: Data) { self.payload = payload }

    static let readCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        buffer, size, count, user in
        guard let buffer, let user else { return 0 }
        let exchange = Unmanaged<Exchange>.fromOpaque(user).takeUnretainedValue()
        let length = min(size * count, exchange.payload.count - exchange.offset)
        guard length > 0 else { return 0 }
        exchange.payload.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + exchange.offset, byteCount: length)
        }
        exchange.offset += length
        return length
    }

    static let debugCallback: @convention(c) (UnsafeMutableRawPointer?, curl_infotype, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = {
        _, type, data, size, user in
        guard type == CURLINFO_HEADER_IN, let data, let user else { return 0 }
        let bytes = UnsafeRawBufferPointer(start: data, count: size)
        // Most replies are 2xx or 3xx: only a line starting with 4 or 5 is worth reading.
        guard bytes.indices.contains(where: { index in
            (index == 0 || bytes[index - 1] == UInt8(ascii: "\n")) && (bytes[index] == UInt8(ascii: "4") || bytes[index] == UInt8(ascii: "5"))
        }) else { return 0 }
        let exchange = Unmanaged<Exchange>.fromOpaque(user).takeUnretainedValue()
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        for part in line.split(whereSeparator: \.isNewline) {
            if let reply = SMTPReply(line: String(part)), reply.code >= 400 { exchange.refusal = reply }
        }
        return 0
    }
}
