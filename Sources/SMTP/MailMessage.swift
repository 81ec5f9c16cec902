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
        where name.contains(where: { $0 == ":" || $0.isNewline || $0 == " " }) || value.contains(where: \.isNewline) {
            throw SMTPError(.invalidMessage, "header \(name) may not hold line breaks")
        }
    }

    /// The message as sent: headers, a blank line, the body; every line ends in CRLF.
    /// `boundary` is fixed by tests; by default it derives from the Message-ID.
    public func rendered(boundary: String? = nil) -> Data {
        var headers: [(String, String)] = [
            ("Date", MIMEEncoding.date(date)),
            ("From", from.headerValue),
            ("To", to.headerValue),
            ("Subject", MIMEEncoding.headerText(subject)),
            ("Message-ID", "<\(messageId)>"),
            ("MIME-Version", "1.0"),
        ]
        headers += extraHeaders
        var lines: [String] = []
        let textPart = MIMEEncoding.quotedPrintable(text)
        if let html {
            let boundary = boundary ?? "=_airfleet_\(Self.stableHash(messageId))"
            headers.append(("Content-Type", "multipart/alternative; boundary=\"\(boundary)\""))
            lines += headers.map { "\($0.0): \($0.1)" }
            lines += ["", "This is a multi-part message in MIME format.", ""]
            lines += ["--\(boundary)", "Content-Type: text/plain; charset=UTF-8",
                      "Content-Transfer-Encoding: quoted-printable", "", textPart, ""]
            lines += ["--\(boundary)", "Content-Type: text/html; charset=UTF-8",
                      "Content-Transfer-Encoding: quoted-printable", "", MIMEEncoding.quotedPrintable(html), ""]
            lines += ["--\(boundary)--", ""]
        } else {
            headers += [("Content-Type", "text/plain; charset=UTF-8"), ("Content-Transfer-Encoding", "quoted-printable")]
            lines += headers.map { "\($0.0): \($0.1)" }
            lines += ["", textPart, ""]
        }
        return Data(lines.joined(separator: "\r\n").utf8)
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
