import Crypto
import Foundation
import HTTPDelivery

/// The key endpoint secrets are stored under (`AIRFLEET_WEBHOOK_SECRET_KEY`, the base64 of 32
/// bytes): AES-GCM, each secret sealed with its endpoint's id as authenticated data, so a sealed
/// secret copied onto another endpoint's row does not open.
public struct WebhookSecretKey: Sendable {
    private let key: SymmetricKey

    public static func generate() -> WebhookSecretKey { WebhookSecretKey(key: SymmetricKey(size: .bits256)) }

    private init(key: SymmetricKey) { self.key = key }

    public init(base64 text: String) throws {
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
            throw WebhookSecretKeyError()
        }
        key = SymmetricKey(data: bytes)
    }

    /// The key's text form, as `init(base64:)` reads it.
    public var base64: String { key.withUnsafeBytes { Data($0) }.base64EncodedString() }

    func seal(_ secret: WebhookSecret, for webhookId: UUID) throws -> Data {
        guard let combined = try AES.GCM.seal(Data(secret.text.utf8), using: key, authenticating: Self.bound(webhookId)).combined else {
            throw WebhookSecretKeyError()
        }
        return combined
    }

    func open(_ sealed: Data, for webhookId: UUID) throws -> WebhookSecret {
        let plain = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Self.bound(webhookId))
        return try WebhookSecret(String(decoding: plain, as: UTF8.self))
    }

    private static func bound(_ webhookId: UUID) -> Data { Data(webhookId.uuidString.lowercased().utf8) }
}

public struct WebhookSecretKeyError: Error, CustomStringConvertible {
    public var description: String {
        "AIRFLEET_WEBHOOK_SECRET_KEY must be the base64 of 32 random bytes (openssl rand -base64 32); endpoint secrets are stored encrypted under it"
    }
}
