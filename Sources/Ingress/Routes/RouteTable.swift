import Contracts
import HTTPTypes
import Hummingbird

/// Who may call a route.
public enum Access: Sendable, Equatable, CustomStringConvertible {
    /// Anyone, signed in or not.
    case anyone
    /// Any signed-in user.
    case signedIn
    /// Signed-in users holding one of these roles.
    case roles(Set<CustomerRole>)

    public static let staff = Access.roles([.agent, .admin])
    public static let admin = Access.roles([.admin])

    public var description: String {
        switch self {
        case .anyone: "anyone"
        case .signedIn: "signed in"
        case .roles(let roles): roles.sorted().map(\.rawValue).joined(separator: ", ")
        }
    }
}

/// A route and who may call it: the list the router is built from, which the OpenAPI document
/// and the role tests are checked against.
public struct RouteRule: Sendable, CustomStringConvertible {
    public let method: HTTPRequest.Method
    /// Hummingbird's form: `/v1/flights/:flightId`.
    public let path: String
    public let access: Access

    /// OpenAPI's form: `/v1/flights/{flightId}`.
    public var openAPIPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            .joined(separator: "/")
    }

    public var description: String { "\(method) \(openAPIPath)" }
}

/// Registers routes on the router, checking each route's access before its handler runs.
final class RouteTable {
    typealias Handler = @Sendable (Request, IngressRequestContext) async throws -> Response
    let router: Router<IngressRequestContext>
    private(set) var rules: [RouteRule] = []

    init(router: Router<IngressRequestContext>) { self.router = router }

    func add(_ method: HTTPRequest.Method, _ path: String, access: Access, _ handler: @escaping Handler) {
        rules.append(RouteRule(method: method, path: path, access: access))
        router.on(RouterPath(path), method: method) { request, context in
            switch access {
            case .anyone: break
            case .signedIn: _ = try context.authenticated()
            case .roles(let roles): _ = try context.authorized(roles)
            }
            return try await handler(request, context)
        }
    }
}
