import ArgumentParser
import Fleet
import Foundation
import Ingress

struct IngressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingress",
        abstract: "Serve the HTTP API: requests become commands and queries on RabbitMQ.",
        discussion: """
            Stateless: run as many as you like behind a load balancer, all with the same AIRFLEET_JWT_SECRET. \
            Reads AIRFLEET_AMQP_URL, AIRFLEET_HTTP_HOST (127.0.0.1), AIRFLEET_HTTP_PORT (8080), AIRFLEET_JWT_SECRET \
            (required, at least 32 bytes), AIRFLEET_TOKEN_LIFETIME (1h), AIRFLEET_HTTP_MAX_BODY (65536 bytes), \
            AIRFLEET_HTTP_MAX_WAIT (30s), AIRFLEET_QUERY_TIMEOUT (5s), AIRFLEET_SEARCH_FRESHNESS (1s), AIRFLEET_RATE_LIMIT (20/s,40 per client, or off) \
            and AIRFLEET_BCRYPT_COST (12); with OTEL_EXPORTER_OTLP_ENDPOINT set it exports a span per request over \
            OTLP/HTTP, the parent of the messages the request sends. On SIGTERM or SIGINT it stops accepting connections, finishes the \
            requests in flight and exits 0.
            """)

    @Option(help: "Port to listen on (overrides AIRFLEET_HTTP_PORT).")
    var port: Int?

    @Option(help: "Address to listen on (overrides AIRFLEET_HTTP_HOST).")
    var host: String?

    func run() async throws {
        let fleet = try Environment.load()
        var configuration: IngressConfiguration
        do {
            configuration = try IngressConfiguration.read(Environment.settings)
        } catch {
            throw CommandFailure("\(error)")
        }
        if let port { configuration.port = port }
        if let host { configuration.host = host }
        configuration.amqp = configuration.amqp.withConnectionName("airfleet ingress \(fleet.processName)")
        let tracing = try TracingExport.startIfConfigured(serviceName: "airfleet-ingress", logger: Environment.logger)
        do {
            try await IngressServer.run(configuration: configuration, topology: try Contexts.topology(fleet), logger: Environment.logger)
        } catch {
            await tracing?.stop()
            throw error
        }
        await tracing?.stop()
    }
}
