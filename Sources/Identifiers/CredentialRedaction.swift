/// A URL with the password of its user part replaced by `***`, for logs and error messages; a
/// text that is not a URL with credentials comes back as it is.
public func redactingPassword(in url: String) -> String {
    // The nodes of a cluster, comma-separated, each with its own credentials.
    guard !url.contains(",") else { return url.split(separator: ",", omittingEmptySubsequences: false).map { redactingPassword(in: String($0)) }.joined(separator: ",") }
    guard let at = url.lastIndex(of: "@"), let schemeEnd = url.range(of: "://"), schemeEnd.upperBound < at else {
        return url
    }
    let credentials = url[schemeEnd.upperBound..<at]
    guard let colon = credentials.firstIndex(of: ":") else { return url }
    return url[..<url.index(after: colon)] + "***" + url[at...]
}
