import Fleet
import FleetStatus
import Foundation
import Hummingbird
import Logging

/// A consumer process's /metrics: the Prometheus exposition of `ProcessMetrics` on a port of its
/// own (`AIRFLEET_METRICS_PORT`, by default one the system picks). The process names the URL to
/// the broker among its connections' client properties (`airfleet_metrics`), where
/// `airfleet status` finds it.
final class MetricsEndpoint: Sendable {
    /// The client property that carries the URL.
    static let clientProperty = FleetStatusReader.metricsClientProperty

    private let task: Task<Void, any Error>
    /// `http://host:port/metrics`, once the server listens.
    let url: String

    /// Starts serving and returns once the port is bound.
    init(host: String, port: Int, logger: Logger) async throws {
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: ProcessMetrics.exposition())))
        }
        let (bound, announce) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "airfleet"),
                              onServerRunning: { channel in
                                  announce.yield(channel.localAddress?.port ?? port)
                                  announce.finish()
                              },
                              logger: logger)
        task = Task {
            defer { announce.finish() }
            // As a service: the consumer's own group handles the signals.
            try await app.runService()
        }
        var iterator = bound.makeAsyncIterator()
        guard let port = await iterator.next() else {
            if case .failure(let error) = await task.result {
                throw CommandFailure("could not serve metrics on \(host):\(port) (AIRFLEET_METRICS_PORT, AIRFLEET_METRICS_HOST): \(error)")
            }
            throw CommandFailure("the metrics server on \(host):\(port) stopped before it listened")
        }
        // An address that listens on every interface is reached by the machine's name.
        let shownHost = ["0.0.0.0", "::", ""].contains(host) ? ProcessInfo.processInfo.hostName : host
        url = "http://\(shownHost.contains(":") ? "[\(shownHost)]" : shownHost):\(port)/metrics"
        logger.info("serving metrics", metadata: ["url": "\(url)"])
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}
