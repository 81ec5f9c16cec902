/// A URL with the password of its user part replaced by `***`, for logs and error messages; a
/// text that is not a URL with credentials comes back as it is. In a list of URLs
/// (`urlListEntries`) each entry's password is replaced.
public func redactingPassword(in url: String) -> String {
    let entries = urlListEntries(url)
    guard entries.count == 1 else { return entries.map(redactingPassword(in:)).joined(separator: ",") }
    guard let at = url.lastIndex(of: "@"), let schemeEnd = url.range(of: "://"), schemeEnd.upperBound < at else {
        return url
    }
    let credentials = url[schemeEnd.upperBound..<at]
    guard let colon = credentials.firstIndex(of: ":") else { return url }
    return url[..<url.index(after: colon)] + "***" + url[at...]
}

/// The entries of a comma-separated list of URLs, such as the nodes of a cluster. A comma
/// separates entries only where the next entry starts (`scheme://`), is empty, or ends the text,
/// so a comma inside one URL (a password, a query value) stays in it.
public func urlListEntries(_ text: String) -> [String] {
    var entries: [String] = []
    var start = text.startIndex
    var index = text.startIndex
    while let comma = text[index...].firstIndex(of: ",") {
        let rest = text[text.index(after: comma)...].drop(while: { $0 == " " })
        if rest.isEmpty || rest.first == "," || startsWithScheme(rest) {
            entries.append(String(text[start..<comma]).trimmingSpaces)
            start = text.index(after: comma)
        }
        index = text.index(after: comma)
    }
    entries.append(String(text[start...]).trimmingSpaces)
    return entries
}

private func startsWithScheme(_ text: Substring) -> Bool {
    guard let first = text.first, first.isASCII, first.isLetter, let end = text.range(of: "://") else { return false }
    return text[..<end.lowerBound].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
