/// A mailbox: an address and, optionally, the name a person sees.
public struct MailAddress: Sendable, Equatable, CustomStringConvertible {
    public var address: String
    public var name: String?

    public init(_ address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }

    /// `"Zoë" <zoe@example.com>` as a header wants it: the name RFC 2047-encoded when it is not
    /// plain ASCII, quoted when it holds specials.
    public var headerValue: String {
        guard let name, !name.isEmpty else { return "<\(address)>" }
        return "\(MIMEEncoding.phrase(name)) <\(address)>"
    }

    public var description: String { headerValue }

    /// Refuses what would break a header or an SMTP command: line breaks, angle brackets,
    /// a missing `@`.
    public func validate(field: String) throws(SMTPError) {
        let forbidden: [UInt8] = [UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: " "), UInt8(ascii: ",")]
        guard address.utf8.contains(UInt8(ascii: "@")), !address.utf8.contains(where: forbidden.contains),
              !MIMEEncoding.containsLineBreak(address), address.utf8.count <= 254 else {
            throw SMTPError(.invalidMessage, "\(field): '\(address)' is not a mail address")
        }
        if let name, MIMEEncoding.containsLineBreak(name) {
            throw SMTPError(.invalidMessage, "\(field): the display name may not hold line breaks")
        }
    }
}
