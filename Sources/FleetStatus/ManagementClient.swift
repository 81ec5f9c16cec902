import Fleet
import Settings
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The broker's management API (`AIRFLEET_RABBITMQ_API`, `http://user:password@host:15672`), for
/// what AMQP does not tell: unacknowledged counts, a quorum queue's leader and members.
public struct ManagementClient: Sendable {
    private let base: URL
    private let authorization: String

    /// nil when `AIRFLEET_RABBITMQ_API` is not set.
    public init?(_ settings: SettingsReader) {
        guard let text = settings.string("AIRFLEET_RABBITMQ_API") else { return nil }
        self.init(url: text)
    }

    /// nil when `text` is not a URL.
    public init?(url text: String) {
        guard let url = URL(string: text),
              var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return nil }
        let user = components.user ?? "guest", password = components.password ?? "guest"
        components.user = nil
        components.password = nil
        guard let base = components.url else { return nil }
        self.base = base
        authorization = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// The path's JSON, or nil when the API does not answer within 5 s or answers otherwise.
    public func json(_ path: String) -> Any? {
        guard let url = URL(string: base.absoluteString + path) else { return nil }
        var request = URLRequest(url: url, timeoutInterval: 5)
        request.setValue(authorization, forHTTPHeaderField: "Authorization")
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, _, _ in
            answer.data = data
            done.signal()
        }.resume()
        done.wait()
        return answer.data.flatMap { try? JSONSerialization.jsonObject(with: $0) }
    }

    /// A virtual host as it goes in an API path.
    public static func path(of virtualHost: String) -> String {
        virtualHost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2F"
    }
}

/// Carries the management API's answer from URLSession's thread to the waiting one.
private final class Answer: @unchecked Sendable {
    // Written once before the semaphore is signalled, read after the wait.
    var data: Data?
}
