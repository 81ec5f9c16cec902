import Fleet
import Foundation

/// Admins add a flight. `flightId` is chosen by the publisher, so a retried request schedules
/// one flight. Base fares are per cabin (wire names) in minor units of `currency`.
extension ScheduleFlight {
    public func validate() throws {
        try FlightRules.flightNumber(number)
        try FlightRules.airport(origin, field: "origin")
        try FlightRules.airport(destination, field: "destination")
        guard origin != destination else { throw ValidationError(field: "destination", "must differ from origin") }
        try FlightRules.notInPast(departure, field: "departure")
        try FlightRules.times(departure: departure, arrival: arrival)
        guard !aircraftType.isEmpty, aircraftType.count <= 20 else {
            throw ValidationError(field: "aircraftType", "must be an aircraft type code such as A320")
        }
        try FlightRules.fares(fares)
        try FlightRules.currency(currency)
        if let gate { try FlightRules.gate(gate) }
    }
}

/// Admins correct a flight's commercial data. Times change through `flight.delay.v1`; the
/// aircraft can change only while no seat is held or sold. Absent fields keep their value.
extension UpdateFlight {
    public func validate() throws {
        if let number { try FlightRules.flightNumber(number) }
        if let aircraftType, aircraftType.isEmpty || aircraftType.count > 20 {
            throw ValidationError(field: "aircraftType", "must be an aircraft type code such as A320")
        }
        if let fares { try FlightRules.fares(fares) }
        if let currency { try FlightRules.currency(currency) }
        guard number != nil || aircraftType != nil || fares != nil || currency != nil else {
            throw ValidationError(field: "number", "an update must change at least one of number, aircraftType, fares, currency")
        }
    }
}

/// Agents and admins move a flight's times (a delay, or an earlier departure).
extension DelayFlight {
    /// The same rule as scheduling: a flight cannot be moved into the past, where a typo would
    /// also void every refund its bookings are due.
    public func validate() throws {
        try FlightRules.notInPast(departure, field: "departure")
        try FlightRules.times(departure: departure, arrival: arrival)
        try FlightRules.reason(reason)
    }
}

extension ChangeGate {
    public func validate() throws {
        try FlightRules.gate(gate)
        try FlightRules.reason(reason)
    }
}

extension CancelFlight {
    public func validate() throws {
        guard !reason.isEmpty else { throw ValidationError(field: "reason", "must say why the flight is cancelled") }
        try FlightRules.reason(reason)
    }
}
