import Fleet
import Foundation

/// A flight as other contexts see it in events: enough to show it and to find its bookings.
public struct FlightSnapshot: Codable, Sendable, Equatable {
    public var flightId: UUID
    public var number: String
    public var origin: String
    public var destination: String
    public var departure: Date
    public var arrival: Date
    public var aircraftType: String
    /// `scheduled`, `delayed` or `cancelled`.
    public var status: String
    public var gate: String?
    public var fares: [String: Int]
    public var currency: String

    public init(flightId: UUID, number: String, origin: String, destination: String, departure: Date, arrival: Date,
                aircraftType: String, status: String, gate: String?, fares: [String: Int], currency: String) {
        self.flightId = flightId
        self.number = number
        self.origin = origin
        self.destination = destination
        self.departure = departure
        self.arrival = arrival
        self.aircraftType = aircraftType
        self.status = status
        self.gate = gate
        self.fares = fares
        self.currency = currency
    }
}

public struct FlightScheduled: Event, Equatable {
    public static let messageType = MessageType("flight.scheduled", version: 1)
    public var flight: FlightSnapshot
    public init(flight: FlightSnapshot) { self.flight = flight }
}

public struct FlightUpdated: Event, Equatable {
    public static let messageType = MessageType("flight.updated", version: 1)
    public var flight: FlightSnapshot
    /// The fields the update changed: `number`, `aircraftType`, `fares`, `currency`.
    public var changed: [String]
    public init(flight: FlightSnapshot, changed: [String]) {
        self.flight = flight
        self.changed = changed
    }
}

public struct FlightDelayed: Event, Equatable {
    public static let messageType = MessageType("flight.delayed", version: 1)
    public var flightId: UUID
    public var number: String
    public var origin: String
    public var destination: String
    public var previousDeparture: Date
    public var previousArrival: Date
    public var departure: Date
    public var arrival: Date
    public var gate: String?
    public var reason: String?

    public init(flightId: UUID, number: String, origin: String, destination: String, previousDeparture: Date,
                previousArrival: Date, departure: Date, arrival: Date, gate: String?, reason: String?) {
        self.flightId = flightId
        self.number = number
        self.origin = origin
        self.destination = destination
        self.previousDeparture = previousDeparture
        self.previousArrival = previousArrival
        self.departure = departure
        self.arrival = arrival
        self.gate = gate
        self.reason = reason
    }
}

public struct FlightGateChanged: Event, Equatable {
    public static let messageType = MessageType("flight.gate-changed", version: 1)
    public var flightId: UUID
    public var number: String
    public var origin: String
    public var destination: String
    public var departure: Date
    public var previousGate: String?
    public var gate: String
    public var reason: String?

    public init(flightId: UUID, number: String, origin: String, destination: String, departure: Date,
                previousGate: String?, gate: String, reason: String?) {
        self.flightId = flightId
        self.number = number
        self.origin = origin
        self.destination = destination
        self.departure = departure
        self.previousGate = previousGate
        self.gate = gate
        self.reason = reason
    }
}

public struct FlightCancelled: Event, Equatable {
    public static let messageType = MessageType("flight.cancelled", version: 1)
    public var flightId: UUID
    public var number: String
    public var origin: String
    public var destination: String
    public var departure: Date
    public var arrival: Date
    public var reason: String

    public init(flightId: UUID, number: String, origin: String, destination: String, departure: Date, arrival: Date,
                reason: String) {
        self.flightId = flightId
        self.number = number
        self.origin = origin
        self.destination = destination
        self.departure = departure
        self.arrival = arrival
        self.reason = reason
    }
}
