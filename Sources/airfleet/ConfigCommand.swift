import ArgumentParser
import Customers
import Fleet
import Foundation
import Ingress

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with the fleet's settings.",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check every setting the fleet's processes read, without connecting to anything.",
            discussion: """
                Reads the environment as each process would at start: the fleet's settings, every context's, \
                the first admin's (AIRFLEET_ADMIN_EMAIL and, when set, AIRFLEET_ADMIN_PASSWORD against the \
                password rules) and, with --ingress, the HTTP ingress's. Prints "settings: ok", or each \
                setting at fault with the rule it breaks and exits 1. ops/up runs it before starting the fleet.
                """)

        @Flag(help: "Also check the ingress's settings (AIRFLEET_JWT_SECRET is then required).")
        var ingress = false

        func run() throws {
            let environment = Environment.variables
            var problems: [String] = []
            func check(_ read: () throws -> Void) {
                do { try read() } catch { problems.append("\(error)") }
            }
            check { _ = try FleetConfiguration.fromEnvironment(environment) }
            check { _ = try Contexts.definitions(environment) }
            check { try CustomersContext.checkAdminSettings(environment) }
            if ingress { check { _ = try IngressConfiguration.fromEnvironment(environment) } }
            guard problems.isEmpty else { throw CommandFailure(problems.joined(separator: "\n")) }
            print("settings: ok")
        }
    }
}
