import Crypto
import Foundation

/// A webhook endpoint's signing secret, as the Standard Webhooks specification writes it:
/// `whsec_` and the base64 of 24 to 64 random bytes.
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible {
    public static let prefix = "whsec_"
    /// The key HMAC-SHA256 signs with.
    let key: SymmetricKey
    /// The secret as written, `whsec_…`, to be shown once to whoever registered the endpoint.
    public let text: String

    /// A new secret of 32 random bytes.
    public static func generate() -> WebhookSecret {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return try! WebhookSecret(Self.prefix + bytes.base64EncodedString())
    }

    /// Reads a secret written `whsec_<base64>` (or the base64 alone).
    public init(_ text: String) throws(WebhookSecretError) {
        let encoded = text.hasPrefix(Self.prefix) ? String(text.dropFirst(Self.prefix.count)) : text
        guard let bytes = Data(base64Encoded: encoded), (24...64).contains(bytes.count) else {
            throw WebhookSecretError()
        }
        key = SymmetricKey(data: bytes)
        self.text = text.hasPrefix(Self.prefix) ? text : Self.prefix + text
    }

    /// Never shows the secret.
    public var description: String { "whsec_<redacted>" }

    public static func == (lhs: WebhookSecret, rhs: WebhookSecret) -> Bool { lhs.text == rhs.text }
}

public struct WebhookSecretError: Error, CustomStringConvertible {
    public var description: String { "a webhook secret is whsec_ followed by the base64 of 24 to 64 bytes" }
}

/// The headers of a signed delivery, per the Standard Webhooks specification: `webhook-id` (the
/// receiver's dedupe key, the same on every attempt), `webhook-timestamp` (seconds since the
/// epoch, when this attempt was signed) and `webhook-signature`, `v1,` and the base64 of the
/// HMAC-SHA256 of `id.timestamp.body` under each secret, separated by spaces, so a receiver
/// holding either secret of a rotation accepts it.
public struct StandardWebhookSignature: Sendable, Equatable {
    public let id: String
    public let timestamp: Int
    public let signature: String

    public init(id: String, timestamp: Int, body: Data, secrets: [WebhookSecret]) {
        precondition(!secrets.isEmpty, "a delivery is signed with at least one secret")
        self.id = id
        self.timestamp = timestamp
        var signed = Data("\(id).\(timestamp).".utf8)
        signed.append(body)
        signature = secrets.map { secret in
            "v1," + Data(HMAC<SHA256>.authenticationCode(for: signed, using: secret.key)).base64EncodedString()
        }.joined(separator: " ")
    }

    public var headers: [(name: String, value: String)] {
        [("webhook-id", id), ("webhook-timestamp", String(timestamp)), ("webhook-signature", signature)]
    }
}
