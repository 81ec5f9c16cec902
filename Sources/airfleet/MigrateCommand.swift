import ArgumentParser
import Fleet
import Foundation
import Postgres

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring each context's schema up to date: the runtime's tables and the context's own.",
        discussion: "Safe to run while processes start: migrations of one schema take an advisory lock. An applied migration whose file changed is refused.")

    @Option(name: .customLong("context"), help: "Only this context (repeatable); all by default.")
    var contexts: [String] = []

    func run() throws {
        let configuration = try Environment.load()
        let known = try Contexts.names()
        let definitions = try Contexts.definitions()
        let names = contexts.isEmpty ? known : contexts
        for name in names where !known.contains(name) {
            throw ValidationError("unknown context '\(name)'; known: \(known.joined(separator: ", "))")
        }
        for name in names {
            let definition = definitions.first { $0.name == name }
                ?? ContextDefinition(registry: HandlerRegistry(context: name), migrations: [])
            let schema = configuration.schema(for: name)
            let connection = try PostgresConnection(try configuration.database(for: name), logger: Environment.logger)
            defer { connection.close() }
            let applied = try definition.migrate(schema: schema, on: connection, logger: Environment.logger)
            print("\(name): schema \(schema) \(applied.isEmpty ? "up to date" : "applied \(applied.joined(separator: ", "))")")
        }
    }
}
