import Metrics
import Prometheus

/// The process's metrics registry, behind swift-metrics: what the runtime records of its
/// batches, Hummingbird's request metrics and the ingress's own all show in one exposition,
/// served on /metrics (the ingress's port, or a consumer's `MetricsEndpoint`).
public enum ProcessMetrics {
    /// swift-metrics may be bootstrapped once per process; everything in it shares this.
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets[ConsumerMetrics.Names.batchSize] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
        let quick: [Duration] = [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                 .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                 .seconds(1), .seconds(2.5), .seconds(5)]
        factory.durationHistogramBuckets[ConsumerMetrics.Names.batchDuration] = quick
        // A message may wait from milliseconds (a busy fleet) to minutes (a backlog, a retry).
        factory.durationHistogramBuckets[ConsumerMetrics.Names.queueWait] = quick + [.seconds(10), .seconds(30), .seconds(60), .seconds(300)]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// The text exposition format, for a /metrics answer.
    public static func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
