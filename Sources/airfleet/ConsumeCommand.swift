import ArgumentParser
import Fleet
import Foundation

struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Run one consumer process of a context until SIGTERM or SIGINT.",
        discussion: """
            The process migrates the context's schema, declares its queues, then handles its commands, \
            events and queries. Start more processes of a context to share its work. On SIGTERM it stops \
            taking messages, finishes those in hand and exits 0. It serves its Prometheus metrics on \
            http://AIRFLEET_METRICS_HOST:AIRFLEET_METRICS_PORT/metrics (127.0.0.1 and a port the system \
            picks by default; off turns them off); airfleet status --json names each process's URL. With \
            OTEL_EXPORTER_OTLP_ENDPOINT set it exports a span per message handled over OTLP/HTTP.
            """)

    @Argument(help: "The bounded context to run.")
    var context: String

    func validate() throws {
        let known = try Contexts.names()
        guard known.contains(context) else {
            throw ValidationError("unknown context '\(context)'; known: \(known.joined(separator: ", "))")
        }
        guard try Contexts.definitions().contains(where: { $0.name == context }) else {
            throw ValidationError("context '\(context)' is in the catalogue, but this airfleet build has no consumer for it yet")
        }
    }

    func run() async throws {
        var configuration = try Environment.load()
        let definition = try Contexts.definitions().first { $0.name == context }!
        var metrics: MetricsEndpoint?
        if let port = configuration.metricsPort {
            let endpoint = try await MetricsEndpoint(host: configuration.metricsHost, port: port, logger: Environment.logger)
            configuration.amqp = configuration.amqp.withClientProperty(MetricsEndpoint.clientProperty, endpoint.url)
            metrics = endpoint
        }
        let tracing = try TracingExport.startIfConfigured(serviceName: "airfleet-\(context)", logger: Environment.logger)
        let service = ConsumerService(definition: definition, topology: try Contexts.topology(configuration),
                                      configuration: configuration, logger: Environment.logger)
        let status = await service.runUntilSignalled()
        await tracing?.stop()
        await metrics?.stop()
        if status != 0 { throw ExitCode(status) }
    }
}
