import Contracts
import Foundation

/// Who a valid access token says sent a request.
public struct AccessIdentity: Sendable, Equatable {
    public var customerId: UUID
    public var email: String
    public var roles: Set<CustomerRole>

    public init(customerId: UUID, email: String, roles: Set<CustomerRole>) {
        self.customerId = customerId
        self.email = email
        self.roles = roles
    }

    /// Agents and admins act on other customers' behalf.
    public var isStaff: Bool { !roles.isDisjoint(with: [.agent, .admin]) }
}
