import Contracts
import Foundation
import JWTKit

/// Issues and checks the ingress's access tokens: JWTs signed with HS256 and the fleet's secret.
///
/// Only the ingress issues and reads them; any ingress of the fleet accepts a token any other
/// issued, since they share `AIRFLEET_JWT_SECRET`. A token is refused when its signature, its
/// algorithm (only HS256: `none` and every other `alg` are refused before any key is looked at),
/// its issuer or its expiry is wrong.
public struct AccessTokens: Sendable {
    public static let issuer = "airfleet"
    public static let algorithm = "HS256"

    private let keys: JWTKeyCollection
    public let lifetime: Duration

    public init(secret: String, lifetime: Duration) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.lifetime = lifetime
    }

    public struct Issued: Codable, Sendable, Equatable {
        public var accessToken: String
        public var tokenType: String
        /// Seconds from now.
        public var expiresIn: Int
        public var expiresAt: Date
        public var customerId: UUID
        public var roles: [CustomerRole]
    }

    public func issue(for identity: CustomerIdentity, now: Date = Date()) async throws -> Issued {
        // NumericDate claims in whole seconds: some JWT libraries refuse fractions.
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let expiry = now.addingTimeInterval(Double(lifetime.components.seconds))
        let claims = AccessClaims(
            subject: SubjectClaim(value: identity.customerId.lowercasedString),
            expiration: ExpirationClaim(value: expiry), issuedAt: IssuedAtClaim(value: now),
            issuer: IssuerClaim(value: Self.issuer), email: identity.email, roles: identity.roles.map(\.rawValue))
        let token = try await keys.sign(claims)
        return Issued(accessToken: token, tokenType: "Bearer", expiresIn: Int(lifetime.components.seconds),
                      expiresAt: expiry, customerId: identity.customerId, roles: identity.roles)
    }

    /// Why a token was refused, said to the client (never with the token itself).
    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public func verify(_ token: String) async throws -> AccessIdentity {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let headerData = Data(base64URLEncoded: String(parts[0])),
              let header = try? JSONDecoder().decode(Header.self, from: headerData) else {
            throw Refusal(description: "the access token is not a JWT")
        }
        guard header.alg == Self.algorithm else {
            throw Refusal(description: "the access token's algorithm '\(header.alg ?? "")' is not accepted; tokens are \(Self.algorithm)")
        }
        let claims: AccessClaims
        do {
            claims = try await keys.verify(token, as: AccessClaims.self)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw Refusal(description: "the access token has expired or was not issued here; log in again")
        } catch {
            throw Refusal(description: "the access token's signature does not match; log in again")
        }
        guard let customerId = UUID(uuidString: claims.subject.value) else {
            throw Refusal(description: "the access token names no customer")
        }
        let roles = Set(claims.roles.compactMap(CustomerRole.init(rawValue:)))
        return AccessIdentity(customerId: customerId, email: claims.email, roles: roles)
    }

    private struct Header: Decodable {
        var alg: String?
    }
}

/// The claims of an access token.
struct AccessClaims: JWTPayload {
    var subject: SubjectClaim
    var expiration: ExpirationClaim
    var issuedAt: IssuedAtClaim
    var issuer: IssuerClaim
    var email: String
    var roles: [String]

    enum CodingKeys: String, CodingKey {
        case subject = "sub", expiration = "exp", issuedAt = "iat", issuer = "iss", email, roles
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try expiration.verifyNotExpired()
        guard issuer.value == AccessTokens.issuer else {
            throw JWTError.claimVerificationFailure(failedClaim: issuer, reason: "not issued by \(AccessTokens.issuer)")
        }
    }
}

extension Data {
    /// Base64url without padding, as JWTs use.
    init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
