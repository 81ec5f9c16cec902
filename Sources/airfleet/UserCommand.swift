import ArgumentParser
import Contracts
import Customers
import Fleet
import Foundation
import Passwords

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage the people who use Airfleet.",
        subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a user, typically an agent or an admin.",
            discussion: """
                The password is checked against the password policy and hashed here with bcrypt \
                (AIRFLEET_BCRYPT_COST); only the hash is published, as customer.register.v1. The command \
                then waits for the customers context's answer (customer.registered.v1, or \
                customer.registration-rejected.v1 when the email is taken), so a running customers process is needed.
                """)

        @Option(help: "The user's email address (their login).")
        var email: String

        @Option(help: "The user's name.")
        var name: String

        @Option(help: "customer, agent or admin.")
        var role: CustomerRole = .agent

        @Flag(help: "Read the password from the first line of standard input instead of asking for it.")
        var passwordStdin = false

        @Option(help: "Seconds to wait for the customers context to confirm.")
        var wait: Int = 15

        func run() async throws {
            let configuration = try Environment.load()
            let password = try readPassword()
            do {
                try PasswordPolicy.check(password, email: email)
            } catch {
                throw CommandFailure("the password is refused: \(error)")
            }
            let hash = try PasswordHashing.hash(password, email: email, cost: try PasswordHashing.cost(reading: Environment.settings))
            let command = RegisterCustomer(customerId: UUID(), email: email, passwordHash: hash, name: name, role: role)
            try command.validate()

            let client = try await Environment.connectedClient("airfleet user create", configuration)
            defer { client.shutdown() }
            let outcome = try await client.send(
                command, subject: command.customerId.lowercasedString, correlationId: command.customerId.lowercasedString,
                wait: .seconds(wait), replyTypes: [CustomerRegistered.messageType, CustomerRegistrationRejected.messageType]
            ).outcome
            guard let outcome else {
                throw CommandFailure("""
                    the customers context did not answer within \(wait) s: is a customers process running \
                    (airfleet consume customers)? The registration waits in its queue and will be handled.
                    """)
            }
            if let failure = outcome.failure { throw CommandFailure("not registered: dead-lettered (\(failure.kind)): \(failure.reason)") }
            if outcome.carries(CustomerRegistrationRejected.self) {
                let rejection = try outcome.data(as: CustomerRegistrationRejected.self)
                throw CommandFailure("not registered (\(rejection.reason.rawValue)): \(rejection.message)")
            }
            let registered = try outcome.data(as: CustomerRegistered.self)
            print("created \(registered.roles.map(\.rawValue).joined(separator: ",")) \(registered.email) (\(registered.customerId.lowercasedString))")
        }

        private func readPassword() throws -> String {
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw ValidationError("--password-stdin: standard input had no password")
                }
                return line
            }
            guard isatty(STDIN_FILENO) == 1 else {
                throw ValidationError("no terminal to ask for the password on; pass it with --password-stdin")
            }
            guard let typed = getpass("Password for \(email): "), let first = String(validatingCString: typed), !first.isEmpty else {
                throw ValidationError("no password given")
            }
            guard let again = getpass("Again: "), String(validatingCString: again) == first else {
                throw ValidationError("the two passwords differ")
            }
            return first
        }
    }
}

extension CustomerRole: ExpressibleByArgument {}
