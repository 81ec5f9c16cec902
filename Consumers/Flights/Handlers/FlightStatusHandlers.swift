import Contracts
import Fleet
import Foundation

/// Delays, gate changes and cancellations: each changes the flight under its row lock and
/// publishes what the other contexts need (bookings, notifications) to act on it.
enum FlightStatusHandlers {
    static func delay(_ envelope: Envelope<DelayFlight>, _ context: HandlerContext) throws {
        let command = envelope.data
        let flight = try FlightStore.lockForChange(context.database, command.flightId)
        // The same times again (a repeated command) change nothing and announce nothing.
        guard command.departure != flight.departure || command.arrival != flight.arrival else { return }
        try context.database.execute(
            "UPDATE flights SET departure = $2, arrival = $3, status = 'delayed', updated_at = now() WHERE flight_id = $1",
            flight.flightId, command.departure, command.arrival)
        try context.emit(FlightDelayed(
            flightId: flight.flightId, number: flight.number, origin: flight.origin, destination: flight.destination,
            previousDeparture: flight.departure, previousArrival: flight.arrival,
            departure: command.departure, arrival: command.arrival, gate: flight.gate, reason: command.reason),
            subject: subject(flight.flightId))
    }

    static func changeGate(_ envelope: Envelope<ChangeGate>, _ context: HandlerContext) throws {
        let command = envelope.data
        let flight = try FlightStore.lockForChange(context.database, command.flightId)
        guard command.gate != flight.gate else { return }
        try context.database.execute("UPDATE flights SET gate = $2, updated_at = now() WHERE flight_id = $1",
                                     flight.flightId, command.gate)
        try context.emit(FlightGateChanged(
            flightId: flight.flightId, number: flight.number, origin: flight.origin, destination: flight.destination,
            departure: flight.departure, previousGate: flight.gate, gate: command.gate, reason: command.reason),
            subject: subject(flight.flightId))
    }

    /// Holds on a cancelled flight stay until they expire or are released; none can be confirmed.
    static func cancel(_ envelope: Envelope<CancelFlight>, _ context: HandlerContext) throws {
        let command = envelope.data
        guard let flight = try FlightStore.load(context.database, command.flightId, lock: true) else {
            throw HandlerError.permanent("flightId: no flight \(command.flightId.lowercasedString)")
        }
        guard !flight.isCancelled else {
            context.logger.info("flight already cancelled", metadata: ["flight_id": "\(subject(flight.flightId))"])
            return
        }
        try context.database.execute(
            "UPDATE flights SET status = 'cancelled', cancel_reason = $2, updated_at = now() WHERE flight_id = $1",
            flight.flightId, command.reason)
        try context.emit(FlightCancelled(
            flightId: flight.flightId, number: flight.number, origin: flight.origin, destination: flight.destination,
            departure: flight.departure, arrival: flight.arrival, reason: command.reason),
            subject: subject(flight.flightId))
    }
}
