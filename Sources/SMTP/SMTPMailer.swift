import CCurl
import CShims
import Curl
import Foundation
import Settings

/// Sends mail through libcurl's SMTP client, one blocking exchange per message.
///
/// libcurl's easy interface blocks the calling thread for the whole exchange, so call `send`
/// only from threads of your own (the fleet's worker threads), never from Swift concurrency's
/// cooperative pool. A mailer may be shared: each `send` takes an easy handle no other send
/// holds.
///
/// A handle whose exchange went well goes back to a small pool (`CurlHandlePool`) with its
/// connection open, and the next message on it skips the connect, the greeting, EHLO, STARTTLS
/// and the login: libcurl reuses a live SMTP connection and starts at MAIL FROM. libcurl closes
/// a connection idle longer than its maximum age, and reconnects when the server closed it.
public final class SMTPMailer: Sendable {
    public let settings: SMTPSettings
    /// Sessions kept open for reuse: as many as senders that should run at once; beyond that a
    /// session is not worth keeping.
    public static let poolSize = 16
    private let handles = CurlHandlePool(capacity: SMTPMailer.poolSize)

    public init(settings: SMTPSettings) {
        self.settings = settings
    }

    /// Delivers `message` to its recipient, or throws an `SMTPError` saying whether a later try may pass.
    public func send(_ message: MailMessage) throws(SMTPError) {
        try message.validate()
        guard let handle = handles.take() else { throw SMTPError(.connection, "libcurl could not create a handle") }
        var sent = false
        defer { handles.giveBack(handle, reusable: sent) }
        let exchange = Exchange(payload: message.rendered())
        let unmanaged = Unmanaged.passRetained(exchange)
        defer { unmanaged.release() }
        let recipients: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "<\(message.to.address)>")
        defer { curl_slist_free_all(recipients) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { buffer in
            var options = CurlOptions(handle)
            options.setTransfer(url: settings.url, connectTimeout: settings.connectTimeout, totalTimeout: settings.totalTimeout)
            if !settings.isImplicitTLS {
                let mode: curl_usessl = switch settings.startTLS {
                case .off: CURLUSESSL_NONE
                case .opportunistic: CURLUSESSL_TRY
                case .required: CURLUSESSL_ALL
                }
                options.set(CURLOPT_USE_SSL, Int(mode.rawValue))
            }
            if let caBundle = settings.caBundle { options.set(CURLOPT_CAINFO, caBundle) }
            if let username = settings.username { options.set(CURLOPT_USERNAME, username) }
            if let password = settings.password { options.set(CURLOPT_PASSWORD, password) }
            options.set(CURLOPT_MAIL_FROM, "<\(settings.sender.address)>")
            options.set(CURLOPT_MAIL_RCPT, pointer: UnsafeMutableRawPointer(recipients))
            options.set(CURLOPT_UPLOAD, 1)
            options.set(CURLOPT_INFILESIZE_LARGE, offset: curl_off_t(exchange.payload.count))
            options.set(CURLOPT_READFUNCTION, pointer: unsafeBitCast(Exchange.readCallback, to: UnsafeMutableRawPointer.self))
            options.set(CURLOPT_READDATA, pointer: unmanaged.toOpaque())
            // The server's reply lines arrive through the debug callback only; they carry the
            // text a person needs ("550 5.1.1 mailbox unavailable"), which curl's own errors drop.
            options.set(CURLOPT_VERBOSE, 1)
            options.set(CURLOPT_DEBUGFUNCTION, pointer: unsafeBitCast(Exchange.debugCallback, to: UnsafeMutableRawPointer.self))
            options.set(CURLOPT_DEBUGDATA, pointer: unmanaged.toOpaque())
            options.set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(buffer.baseAddress))
            guard options.status == CURLE_OK else { return options.status }
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
