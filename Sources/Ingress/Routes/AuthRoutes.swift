import Contracts
import Dispatch
import Fleet
import Foundation
import Hummingbird
import Passwords

/// Sign-up and login.
extension IngressRoutes {
    struct Registration: Decodable, Sendable {
        var email: String
        var password: String
        var name: String
    }

    struct Credentials: Decodable, Sendable {
        var email: String
        var password: String
    }

    func registerAuth(on table: RouteTable) {
        table.add(.post, "/v1/auth/register", access: .anyone) { request, context in
            let registration = try await body.decode(Registration.self, from: request, context: context)
            _ = try CustomerRules.checkEmail(registration.email)
            try PasswordPolicy.check(registration.password, email: registration.email)
            let hash = try await hashOffTheEventLoop(registration.password, email: registration.email)
            // A self-registration never carries a role: staff are made by operators.
            let command = RegisterCustomer(customerId: UUID(), email: registration.email, passwordHash: hash, name: registration.name)
            return try await send(command, subject: command.customerId, statusURL: "/v1/me", request: request, context: context) { message in
                if let response = try outcome(message, is: CustomerRegistered.self, status: .created, headers: [.location: "/v1/me"]) {
                    return response
                }
                if message.carries(CustomerRegistrationRejected.self) {
                    let rejection = try message.data(as: CustomerRegistrationRejected.self)
                    throw Problem.conflict(rejection.message, field: "email")
                }
                return try unexpectedOutcome(message)
            }
        }

        table.add(.post, "/v1/auth/login", access: .anyone) { request, context in
            let credentials = try await body.decode(Credentials.self, from: request, context: context)
            let login = CustomerLogin(email: credentials.email, password: credentials.password)
            try login.validate()
            let identity: CustomerIdentity
            do {
                identity = try await ask(login, context)
            } catch let error as QueryError where error.kind == .unauthorized {
                throw Problem.invalidCredentials
            }
            return try .json(try await tokens.issue(for: identity))
        }
    }

    /// bcrypt takes a quarter of a second at the default cost: done on a Dispatch thread, not
    /// on the few threads that serve every other request.
    private func hashOffTheEventLoop(_ password: String, email: String) async throws -> String {
        let cost = configuration.bcryptCost
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try PasswordHashing.hash(password, email: email, cost: cost) })
            }
        }
    }
}
