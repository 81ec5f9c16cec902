import Fleet
import Foundation

/// Admins add a flight. `flightId` is chosen by the publisher, so a retried request schedules
/// one flight. Base fares are per cabin (wire names) in minor units of `currency`.
public struct ScheduleFlight: Command, Equatable {
    public static let messageType = MessageType("flight.schedule", version: 1)
    public var flightId: UUID
    public var number: String
    public var origin: String
    public var destination: String
    public var departure: Date
    public var arrival: Date
    public var aircraftType: String
    public var fares: [String: Int]
    public var currency: String
    public var gate: String?

    public init(flightId: UUID, number: String, origin: String, destination: String, departure: Date, arrival: Date,
                aircraftType: String, fares: [String: Int], currency: String, gate: String? = nil) {
        self.flightId = flightId
        self.number = number
        self.origin = origin
        self.destination = destination
        self.departure = departure
        self.arrival = arrival
        self.aircraftType = aircraftType
        self.fares = fares
        self.currency = currency
        self.gate = gate
    }

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
public struct UpdateFlight: Command, Equatable {
    public static let messageType = MessageType("flight.update", version: 1)
    public var flightId: UUID
    public var number: String?
    public var aircraftType: String?
    /// Replaces the fares of the cabins named; other cabins keep theirs.
    public var fares: [String: Int]?
    public var currency: String?

    public init(flightId: UUID, number: String? = nil, aircraftType: String? = nil, fares: [String: Int]? = nil,
                currency: String? = nil) {
        self.flightId = flightId
        self.number = number
        self.aircraftType = aircraftType
        self.fares = fares
        self.currency = currency
    }

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
public struct DelayFlight: Command, Equatable {
    public static let messageType = MessageType("flight.delay", version: 1)
    public var flightId: UUID
    public var departure: Date
    public var arrival: Date
    public var reason: String?

    public init(flightId: UUID, departure: Date, arrival: Date, reason: String? = nil) {
        self.flightId = flightId
        self.departure = departure
        self.arrival = arrival
        self.reason = reason
    }

    /// The same rule as scheduling: a flight cannot be moved into the past, where a typo would
    /// also void every refund its bookings are due.
    public func validate() throws {
        try FlightRules.notInPast(departure, field: "departure")
        try FlightRules.times(departure: departure, arrival: arrival)
        try FlightRules.reason(reason)
    }
}

public struct ChangeGate: Command, Equatable {
    public static let messageType = MessageType("flight.change-gate", version: 1)
    public var flightId: UUID
    public var gate: String
    public var reason: String?

    public init(flightId: UUID, gate: String, reason: String? = nil) {
        self.flightId = flightId
        self.gate = gate
        self.reason = reason
    }

    public func validate() throws {
        try FlightRules.gate(gate)
        try FlightRules.reason(reason)
    }
}

public struct CancelFlight: Command, Equatable {
    public static let messageType = MessageType("flight.cancel", version: 1)
    public var flightId: UUID
    public var reason: String

    public init(flightId: UUID, reason: String) {
        self.flightId = flightId
        self.reason = reason
    }

    public func validate() throws {
        guard !reason.isEmpty else { throw ValidationError(field: "reason", "must say why the flight is cancelled") }
        try FlightRules.reason(reason)
    }
}
