import Fleet
import Foundation
import Logging
import OTel
import ServiceLifecycle
import Settings
import Tracing

/// The process's spans, exported over OTLP/HTTP by swift-otel and configured by the standard
/// `OTEL_*` variables (`OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_ENDPOINT`, `_HEADERS`,
/// `_TIMEOUT`, `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`, …). Off, and costing nothing, unless
/// `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, and also with
/// `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`.
final class TracingExport: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// Starts exporting when the environment asks for it; nil otherwise.
    static func startIfConfigured(serviceName: String, logger: Logger,
                                  environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TracingExport? {
        let endpoints = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].compactMap { environment[$0] }
        guard endpoints.contains(where: { !$0.isEmpty }),
              environment["OTEL_SDK_DISABLED"]?.lowercased() != "true",
              environment["OTEL_TRACES_EXPORTER"]?.lowercased() != "none"
        else { return nil }
        try checkProtocols(SettingsReader(environment: environment))
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        // Logs and metrics have their own roads: the process's log handler and its Prometheus endpoint.
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.exporter = .otlp
        let backend: (factory: any Tracer, service: any Service)
        do {
            backend = try OTel.makeTracingBackend(configuration: configuration)
        } catch {
            throw CommandFailure("could not set up trace export (OTEL_* settings): \(error)")
        }
        InstrumentationSystem.bootstrap(backend.factory)
        MessageTracing.enable()
        let export = TracingExport(backend.service, logger: logger)
        logger.info("exporting traces over OTLP/HTTP", metadata: ["endpoint": "\(endpoints.first { !$0.isEmpty }!)"])
        return export
    }

    /// This build exports over HTTP only; swift-otel would stop the process at the first span
    /// for gRPC, so a gRPC or unknown protocol is refused at start, naming the variable.
    static func checkProtocols(_ settings: SettingsReader) throws {
        for name in ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] {
            guard let value = settings.string(name), !value.isEmpty else { continue }
            guard ["http/protobuf", "http/json"].contains(value) else {
                throw CommandFailure("\(name)=\(value) is not supported: airfleet exports traces over OTLP/HTTP; use http/protobuf (the default) or http/json")
            }
        }
    }

    private init(_ service: any Service, logger: Logger) {
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        self.group = group
        task = Task { try await group.run() }
    }

    /// Sends the spans still queued, then stops.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}
