import Fleet
import FleetStatus
import Foundation
import Webhooks

/// `airfleet status`'s rows: the shared figures, and for the webhooks context its endpoints.
final class StatusReader {
    private let configuration: FleetConfiguration
    private let figures: FleetStatusReader

    init(configuration: FleetConfiguration) throws {
        self.configuration = configuration
        figures = try FleetStatusReader(configuration: configuration, management: ManagementClient(Environment.settings),
                                        connectionName: "airfleet status", logger: Environment.logger)
    }

    func status(of context: String) throws -> StatusRow {
        let read = try figures.figures(of: context)
        return StatusRow(
            context: context, ready: read.ready, unacknowledged: read.unacknowledged, consumers: read.consumers,
            retrying: read.retrying, dead: read.dead, oldestDeadSeconds: read.oldestDeadSeconds, outbox: read.outbox,
            metrics: read.metrics,
            webhookEndpoints: context == WebhooksContext.name ? try figures.database(for: context).flatMap {
                try WebhookEndpointsStatus.read(from: $0, schema: configuration.schema(for: context))
            } : nil)
    }

    func close() { figures.close() }
}
