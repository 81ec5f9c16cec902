import Fleet
import Hummingbird
import NIOCore

/// Liveness, readiness and metrics for load balancers, supervisors and Prometheus. Outside
/// /v1, unauthenticated and never rate-limited.
extension IngressRoutes {
    struct Health: Codable, Sendable {
        var status: String
    }

    func registerOperational(on table: RouteTable) {
        table.add(.get, "/healthz", access: .anyone) { _, _ in
            try .json(Health(status: "ok"))
        }
        table.add(.get, "/readyz", access: .anyone) { _, _ in
            guard gateway.isReady else {
                throw Problem.unavailable("not connected to RabbitMQ: commands and queries cannot be carried", retryAfter: 2)
            }
            return try .json(Health(status: "ready"))
        }
        table.add(.get, "/metrics", access: .anyone) { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: ProcessMetrics.exposition())))
        }
    }
}
