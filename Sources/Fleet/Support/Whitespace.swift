/// White space and control characters as user input is checked for them. Every booking's names
/// and address are checked at the ingress and again in the bookings context, so ASCII, nearly
/// all of it, is answered without Unicode's property tables, and nothing is copied through
/// Foundation's UTF-16 strings.
extension String {
    /// Without the white space (newlines too) at either end: the same characters as Foundation's
    /// `trimmingCharacters(in: .whitespacesAndNewlines)`.
    public func trimmingWhitespace() -> String {
        if let first = utf8.first, let last = utf8.last, first < 0x80, last < 0x80,
           !Unicode.Scalar(first).isWhitespace, !Unicode.Scalar(last).isWhitespace {
            return self
        }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(Substring(scalars[first...last]))
    }
}

extension Unicode.Scalar {
    /// Unicode's White_Space (blanks, tabs, line and paragraph separators) and, as Foundation
    /// has it, the zero width space.
    public var isWhitespace: Bool {
        isASCII ? value == 0x20 || (0x09...0x0D).contains(value) : properties.isWhitespace || value == 0x200B
    }

    /// A control character (general category Cc: C0, DEL and C1).
    public var isControlCharacter: Bool {
        isASCII ? value < 0x20 || value == 0x7F : properties.generalCategory == .control
    }
}
