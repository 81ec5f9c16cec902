import Contracts
import Crypto
import Foundation
import Hummingbird

/// Who is signed in to the console, read from the session cookie.
///
/// The cookie holds an access token like the API's (so any ingress of the fleet accepts it); it
/// is `HttpOnly`, so no script can read it, and `SameSite=Strict`, so no other site's page can
/// send it. Every state-changing request must also carry the CSRF token derived from it, which
/// only the console's own pages show.
struct ConsoleSession: Sendable {
    static let cookieName = "airfleet_console"
    /// Before sign-in: a random value the sign-in form's CSRF token is derived from.
    static let signInCookieName = "airfleet_console_sign_in"
    static let path = "/console"

    let identity: AccessIdentity
    let token: String
    let csrfToken: String

    /// The user's name for logs and the page header.
    var who: String { identity.email }
    var role: String { identity.roles.contains(.admin) ? "admin" : "agent" }
}

/// Derives CSRF tokens from the fleet's secret, and remembers the sessions signed out here.
final class ConsoleSessions: Sendable {
    private let key: SymmetricKey
    private let tokens: AccessTokens
    private let signedOut = SignedOutTokens()

    init(secret: String, tokens: AccessTokens) {
        // A key of its own, so a CSRF token can never be mistaken for anything the secret signs.
        key = SymmetricKey(data: SHA256.hash(data: Data("airfleet console csrf\u{0}\(secret)".utf8)))
        self.tokens = tokens
    }

    /// The session of the request, or nil when it has none that is valid, or the user is not staff.
    func session(of request: Request) async -> ConsoleSession? {
        guard let token = request.cookies[ConsoleSession.cookieName]?.value, !token.isEmpty,
              !(await signedOut.contains(token)),
              let identity = try? await tokens.verify(token), identity.isStaff else { return nil }
        return ConsoleSession(identity: identity, token: token, csrfToken: csrfToken(for: "session:" + token))
    }

    func issue(for identity: CustomerIdentity) async throws -> AccessTokens.Issued {
        try await tokens.issue(for: identity)
    }

    func signOut(_ session: ConsoleSession) async {
        await signedOut.add(session.token, until: Date().addingTimeInterval(Double(tokens.lifetime.components.seconds)))
    }

    /// The token a form of `session` must send back.
    func csrfToken(for subject: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(subject.utf8), using: key)
        return Data(code).base64URLEncodedString()
    }

    /// Whether `given` is the token for `subject`, compared in constant time.
    func checkCSRF(_ given: String?, for subject: String) -> Bool {
        guard let given, let givenData = Data(base64URLEncoded: given) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(givenData, authenticating: Data(subject.utf8), using: key)
    }

    var lifetimeSeconds: Int { Int(tokens.lifetime.components.seconds) }
}

/// Tokens signed out before they expire; forgotten once they would have expired anyway.
private actor SignedOutTokens {
    private var until: [String: Date] = [:]

    func add(_ token: String, until expiry: Date) {
        let now = Date()
        until = until.filter { $0.value > now }
        until[Self.digest(token)] = expiry
    }

    func contains(_ token: String) -> Bool {
        guard let expiry = until[Self.digest(token)] else { return false }
        return expiry > Date()
    }

    private static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension Data {
    /// Base64url without padding.
    func base64URLEncodedString() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
