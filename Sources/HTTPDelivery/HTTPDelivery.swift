import Foundation

/// A POST to an endpoint outside the fleet: a webhook receiver, an SMS or push gateway.
public struct HTTPDeliveryRequest: Sendable {
    public var url: String
    public var body: Data
    public var contentType: String
    /// Extra headers, such as the Standard Webhooks signature.
    public var headers: [(name: String, value: String)]

    public init(url: String, body: Data, contentType: String = "application/json", headers: [(name: String, value: String)] = []) {
        self.url = url
        self.body = body
        self.contentType = contentType
        self.headers = headers
    }
}

/// What came of one attempt.
public enum HTTPDeliveryResult: Sendable, Equatable {
    /// The endpoint answered; `excerpt` is the start of its body, for reasons and logs.
    case answered(status: Int, excerpt: String)
    /// No answer: `reason` says why in plain words.
    case failed(HTTPDeliveryFailure, reason: String)

    /// What the attempt means for the delivery.
    public var verdict: DeliveryVerdict {
        switch self {
        case .answered(let status, let excerpt):
            switch status {
            case 200..<300: return .delivered
            case 408, 429, 500..<600: return .retry("the endpoint answered \(status)\(Self.quoted(excerpt))")
            case 300..<400: return .refused("the endpoint answered \(status), a redirect, which is not followed\(Self.quoted(excerpt))")
            default: return .refused("the endpoint answered \(status)\(Self.quoted(excerpt))")
            }
        case .failed(.forbiddenAddress, let reason), .failed(.invalidURL, let reason):
            return .refused(reason)
        case .failed(.timeout, let reason), .failed(.connection, let reason):
            return .retry(reason)
        }
    }

    private static func quoted(_ excerpt: String) -> String {
        excerpt.isEmpty ? "" : ": \(excerpt)"
    }
}

public enum HTTPDeliveryFailure: String, Sendable, Equatable {
    /// No answer within the time allowed.
    case timeout
    /// The name did not resolve, the connection was refused or broke, TLS failed.
    case connection
    /// The endpoint resolved to an address deliveries may not reach (`DestinationAddress`).
    case forbiddenAddress = "forbidden-address"
    /// Not an http or https URL with a host.
    case invalidURL = "invalid-url"
}

/// Whether a delivery is done, worth trying again later, or refused for good.
public enum DeliveryVerdict: Sendable, Equatable {
    case delivered
    /// 5xx, 408, 429, a timeout, a connection error: the endpoint may take it later.
    case retry(String)
    /// Any other answer, or an endpoint that can never be reached: trying again changes nothing.
    case refused(String)
}

/// Checks an endpoint URL before it is stored or called: http or https, a host, no user or
/// password in it (they would end up in logs). Returns the reason it is refused, or nil.
public func endpointURLProblem(_ text: String) -> String? {
    guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
        return "must be an absolute http or https URL, such as https://example.com/hooks"
    }
    guard scheme == "http" || scheme == "https" else { return "must use http or https, not \(scheme)" }
    guard let host = components.host, !host.isEmpty else { return "must name a host" }
    guard components.user == nil, components.password == nil else {
        return "must not carry a user name or password; the signature authenticates deliveries"
    }
    guard text.utf8.count <= 2048 else { return "must be at most 2048 characters" }
    return nil
}
