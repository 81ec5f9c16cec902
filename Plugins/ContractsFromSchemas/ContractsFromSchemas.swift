import Foundation
import PackagePlugin

/// Generates the Contracts target's message types from Schemas/ before every build that needs
/// them, so the schemas any publisher reads and the types the fleet compiles cannot drift apart.
@main
struct ContractsFromSchemas: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let schemas = context.package.directoryURL.appendingPathComponent("Schemas")
        let inputs = try FileManager.default.subpathsOfDirectory(atPath: schemas.path)
            .filter { $0.hasSuffix(".schema.json") }
            .map { schemas.appendingPathComponent($0) }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("Messages.generated.swift")
        return [.buildCommand(
            displayName: "Generating the message types from Schemas/",
            executable: try context.tool(named: "generate-contracts").url,
            arguments: [schemas.path, output.path],
            inputFiles: inputs,
            outputFiles: [output])]
    }
}
