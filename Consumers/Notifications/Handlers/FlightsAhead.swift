import Foundation

/// The flights the batch at hand read before its handlers ran (`sendConfirmationsAhead`), so a
/// confirmation's handler need not read its flight again; a handler that changes a flight
/// forgets it, and the next batch replaces them all.
final class FlightsAhead: @unchecked Sendable {
    private let lock = NSLock()
    private var flights: [UUID: FlightRecord] = [:]

    func flight(_ flightId: UUID) -> FlightRecord? {
        lock.withLock { flights[flightId] }
    }

    func replace(with flights: [UUID: FlightRecord]) {
        lock.withLock { self.flights = flights }
    }

    func forget(_ flightId: UUID) {
        lock.withLock { flights[flightId] = nil }
    }
}
