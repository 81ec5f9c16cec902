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

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a user, typically an agent or an admin.",
            discussion: """
                The password is checked against the password policy and hashed here with bcrypt \
                (AIRFLEET_BCRYPT_COST); only the hash is published, as customer.register.v1. The command \
                then asks the customers context until the user exists, so a running customers process is needed.
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

        func run() throws {
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

            let publisher = try Publisher(amqp: configuration.amqp, topology: try Contexts.topology(configuration),
                                          source: "airfleet/cli", logger: Environment.logger)
            defer { publisher.close() }
            let receipt = try publisher.publish(command, subject: command.customerId.lowercasedString)
            if case .unroutable(let reason) = receipt.outcome { throw CommandFailure("not delivered: \(reason)") }

            let client = try QueryClient(amqp: configuration.amqp, source: "airfleet/cli", logger: Environment.logger)
            defer { client.close() }
            let deadline = ContinuousClock.now + .seconds(wait)
            while ContinuousClock.now < deadline {
                if let profile = try? client.ask(GetCustomer(customerId: command.customerId), timeout: .seconds(3)) {
                    print("created \(profile.roles.map(\.rawValue).joined(separator: ",")) \(profile.email) (\(profile.customerId.lowercasedString))")
                    return
                }
                Thread.sleep(forTimeInterval: 0.3)
            }
            throw CommandFailure("""
                the customers context did not confirm \(email) within \(wait) s: the email may already be taken \
                (customer.registration-rejected.v1), or no customers process is running (airfleet consume customers)
                """)
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
