import Foundation

/// One email: a multipart/alternative of a plain-text and an HTML part, rendered with CRLF line
/// ends, encoded headers and quoted-printable bodies, ready for the SMTP DATA phase.
public struct MailMessage: Sendable, Equatable {
    public var from: MailAddress
    public var to: MailAddress
    public var subject: String
    public var text: String
    public var html: String?
    /// Without angle brackets: `booking-confirmed.1.9a1d…@airfleet.local`. Derived by the
    /// caller from what the message is about, so a resend carries the same id.
    public var messageId: String
    public var date: Date
    /// More headers (`X-Airfleet-Kind`), written after the standard ones.
    public var extraHeaders: [(String, String)]

    public init(from: MailAddress, to: MailAddress, subject: String, text: String, html: String? = nil,
                messageId: String, date: Date = Date(), extraHeaders: [(String, String)] = []) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageId = messageId
        self.date = date
        self.extraHeaders = extraHeaders
    }

    public static func == (lhs: MailMessage, rhs: MailMessage) -> Bool {
        lhs.from == rhs.from && lhs.to == rhs.to && lhs.subject == rhs.subject && lhs.text == rhs.text
            && lhs.html == rhs.html && lhs.messageId == rhs.messageId && lhs.date == rhs.date
            && lhs.extraHeaders.map(\.0) == rhs.extraHeaders.map(\.0) && lhs.extraHeaders.map(\.1) == rhs.extraHeaders.map(\.1)
    }

    public func validate() throws(SMTPError) {
        try from.validate(field: "from")
        try to.validate(field: "to")
        for (name, value) in extraHeaders + [("Message-ID", messageId)]
        where name.utf8.contains(where: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: " ") }) || MIMEEncoding.containsLineBreak(name)
            || MIMEEncoding.containsLineBreak(value) {
            throw SMTPError(.invalidMessage, "header \(name) may not hold line breaks")
        }
    }

    /// The message as sent: headers, a blank line, the body; every line ends in CRLF.
    /// `boundary` is fixed by tests; by default it derives from the Message-ID.
    public func rendered(boundary: String? = nil) -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1024 + (text.utf8.count + (html?.utf8.count ?? 0)) * 9 / 8)
        func line(_ text: String) {
            bytes.append(contentsOf: text.utf8)
            bytes.append(0x0D)
            bytes.append(0x0A)
        }
        func header(_ name: String, _ value: String) {
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            line(value)
        }
        func body(_ text: String, contentType: String) {
            line("Content-Type: \(contentType); charset=UTF-8")
            line("Content-Transfer-Encoding: quoted-printable")
            line("")
            MIMEEncoding.appendQuotedPrintable(text, to: &bytes)
            line("")
            line("")
        }
        header("Date", MIMEEncoding.date(date))
        header("From", from.headerValue)
        header("To", to.headerValue)
        header("Subject", MIMEEncoding.headerText(subject))
        header("Message-ID", "<\(messageId)>")
        header("MIME-Version", "1.0")
        for (name, value) in extraHeaders { header(name, value) }
        guard let html else {
            header("Content-Type", "text/plain; charset=UTF-8")
            header("Content-Transfer-Encoding", "quoted-printable")
            line("")
            MIMEEncoding.appendQuotedPrintable(text, to: &bytes)
            line("")
            return Data(bytes)
        }
        let boundary = boundary ?? "=_airfleet_\(Self.stableHash(messageId))"
        header("Content-Type", "multipart/alternative; boundary=\"\(boundary)\"")
        line("")
        line("This is a multi-part message in MIME format.")
        line("")
        line("--\(boundary)")
        body(text, contentType: "text/plain")
        line("--\(boundary)")
        body(html, contentType: "text/html")
        line("--\(boundary)--")
        return Data(bytes)
    }

    /// FNV-1a, so a resend of one message is byte for byte the same (Swift's hashValue is seeded per process).
    private static func stableHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 36)
    }
}
