import Contracts
import Foundation

/// What a registration becomes, given what the database already holds. Pure: the handler reads
/// the rows, this decides, the handler acts.
enum RegistrationDecision: Equatable {
    /// Nobody has the id or the email: insert.
    case register
    /// The same customer (id and email) registered before: keep it, tell the outcome again.
    case repeated(ExistingCustomer)
    /// Another customer has the email: a user-caused refusal, told as an event.
    case emailTaken(by: UUID)
    /// The id belongs to a customer with another email: the publisher reused an id, a bug
    /// no retry mends.
    case idTaken(email: String)

    struct ExistingCustomer: Equatable {
        var customerId: UUID
        var email: String
        var name: String
        var roles: [CustomerRole]
        var createdAt: Date
        var phone: String? = nil
        var notificationPreferences: NotificationPreferences = .emailOnly
    }

    /// - Parameters:
    ///   - customerId, email: the command's, the email normalised.
    ///   - existing: customers holding that id or that email (at most two rows).
    static func decide(customerId: UUID, email: String, existing: [ExistingCustomer]) -> RegistrationDecision {
        if let same = existing.first(where: { $0.customerId == customerId }) {
            return same.email == email ? .repeated(same) : .idTaken(email: same.email)
        }
        if let other = existing.first(where: { $0.email == email }) {
            return .emailTaken(by: other.customerId)
        }
        return .register
    }
}
