import Contracts
import Foundation
import Hummingbird
import NIOCore

/// What the ingress knows about a request while it travels through middleware and handler.
public struct IngressRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// From `X-Request-ID`, or made up; the correlation id of every message the request causes.
    public var requestId: String
    /// Who sent the request, when it carried a valid access token.
    public var identity: AccessIdentity?
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestId = ""
        identity = nil
        remoteAddress = source.channel.remoteAddress
    }

    /// Who the rate limit counts this request against: the signed-in customer, else the address.
    var clientKey: String {
        if let identity { return "customer:\(identity.customerId.uuidString)" }
        return "address:\(remoteAddress?.ipAddress ?? "unknown")"
    }

    /// The identity, or 401.
    func authenticated() throws -> AccessIdentity {
        guard let identity else {
            throw Problem.unauthenticated("send an access token as 'Authorization: Bearer <token>' (POST /v1/auth/login gives one)")
        }
        return identity
    }

    /// The identity if it holds one of `roles`; 401 without a token, 403 with the wrong role.
    func authorized(_ roles: Set<CustomerRole>) throws -> AccessIdentity {
        let identity = try authenticated()
        guard !roles.isDisjoint(with: identity.roles) else {
            let names = roles.sorted().map(\.rawValue).joined(separator: " or ")
            throw Problem.forbidden("this needs the role \(names); your token has \(identity.roles.map(\.rawValue).joined(separator: ", "))")
        }
        return identity
    }
}
