import ArgumentParser
import Customers
import Fleet
import FleetStatus
import Foundation
import Ingress

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with the fleet's settings.",
        subcommands: [Check.self, Show.self])

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
            let problems = FleetSettings.read(Environment.settings, ingress: ingress)
            guard problems.isEmpty else { throw CommandFailure(problems.joined(separator: "\n")) }
            print("settings: ok")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print the settings the fleet's processes would run with, and where each comes from.",
            discussion: """
                Every setting the consumers, the contexts and the ingress read: its effective value and its \
                source (environment, default, or unset for a feature left off). Secrets and the passwords in \
                URLs are shown as ***. Settings at fault are listed after the table; `airfleet config check` is \
                the command that fails on them.
                """)

        @Flag(help: "Print JSON: {settings: [{name, value, source}], problems: [...]}.")
        var json = false

        func run() throws {
            let problems = FleetSettings.read(Environment.settings, ingress: true)
            let readings = Environment.settings.readings.sorted { $0.name < $1.name }
            if json {
                struct Report: Encodable {
                    let settings: [SettingsReader.Reading]
                    let problems: [String]
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(Report(settings: readings, problems: problems)), as: UTF8.self))
            } else {
                print(TextTable.render(header: ["SETTING", "VALUE", "SOURCE"],
                                       rows: readings.map { [$0.name, $0.value.isEmpty ? "-" : $0.value, $0.source.rawValue] }))
                if !problems.isEmpty { print("\n" + problems.joined(separator: "\n")) }
            }
        }
    }
}

/// Every setting a process of the fleet may read, read through one reader: what `config check`
/// judges and `config show` lists.
enum FleetSettings {
    /// The settings at fault, each with the rule it breaks; empty when all are usable.
    static func read(_ settings: SettingsReader, ingress: Bool) -> [String] {
        var problems: [String] = []
        func check(_ read: () throws -> Void) {
            do { try read() } catch { problems.append("\(error)") }
        }
        check { _ = try FleetConfiguration.read(settings) }
        check { _ = try Contexts.definitions(settings) }
        check { try CustomersContext.checkAdminSettings(settings) }
        _ = FleetLogHandler.level(settings)
        check { _ = try FleetLogHandler.format(settings) }
        check { try TracingExport.checkProtocols(settings) }
        _ = ManagementClient(settings)
        if ingress { check { _ = try IngressConfiguration.read(settings) } }
        return problems.reduce(into: []) { unique, problem in if !unique.contains(problem) { unique.append(problem) } }
    }
}
