import Contracts
import Fleet
import Foundation
import Logging

/// Asks the flights context (`flight.get.v1`) about a flight notifications has not heard of,
/// e.g. one scheduled before notifications first ran. Events are preferred; this is the fallback.
final class FlightDirectory: @unchecked Sendable {
    private let lock = NSLock()
    private var amqp: FleetConfiguration?
    private var client: QueryClient?
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func configure(_ configuration: FleetConfiguration) {
        lock.withLock { amqp = configuration }
    }

    /// The flight, nil when flights does not know it; throws when flights does not answer.
    func flight(_ flightId: UUID) throws -> FlightSnapshot? {
        try lock.withLock {
            guard let amqp else { return nil }
            if client == nil {
                client = try QueryClient(amqp: amqp.amqp, source: "airfleet/notifications", logger: logger)
            }
            do {
                return try client!.ask(GetFlight(flightId: flightId), timeout: .seconds(5)).flight
            } catch let error as QueryError where error.kind == .notFound {
                return nil
            } catch let error as QueryError {
                throw error
            } catch {
                client?.close()
                client = nil
                throw error
            }
        }
    }
}
