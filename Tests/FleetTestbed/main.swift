import Fleet
import FleetTestSupport
import Foundation
import Logging

// A consumer process of the test contexts, so tests can start, stop and kill real processes.
// Usage: fleet-testbed consume <probe|tally>; settings from the same environment as airfleet.

let settings = SettingsReader(environment: ProcessInfo.processInfo.environment)
FleetLogHandler.bootstrap(settings: settings)
let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 2, arguments.first == "consume",
      let definition = ProbeContexts.all().first(where: { $0.name == arguments.last })
else {
    FileHandle.standardError.write(Data("usage: fleet-testbed consume <probe|tally>\n".utf8))
    exit(64)
}
do {
    let configuration = try FleetConfiguration.read(settings)
    let service = ConsumerService(
        definition: definition, topology: ProbeContexts.topology(settings: configuration.topology),
        configuration: configuration, logger: Logger(label: "fleet-testbed"))
    exit(await service.runUntilSignalled())
} catch {
    FileHandle.standardError.write(Data("fleet-testbed: \(error)\n".utf8))
    exit(1)
}
