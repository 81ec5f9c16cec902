import Metrics
import Prometheus

/// The process's metrics registry, behind swift-metrics, so Hummingbird's request metrics and
/// the ingress's own (commands published, query durations) all show on /metrics.
enum IngressMetrics {
    /// swift-metrics may be bootstrapped once per process; every ingress in it shares this.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    static func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
