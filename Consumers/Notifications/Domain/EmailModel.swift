import Contracts
import Foundation

/// The data the templates read, built from the read model.
enum EmailModel {
    static func flight(_ flight: FlightRecord, zones: [String: String]) -> [String: Any] {
        var model: [String: Any] = [
            "number": flight.number, "origin": flight.origin, "destination": flight.destination,
            "departure": EmailFormatting.localTime(flight.departure, timeZone: zones[flight.origin]),
            "arrival": EmailFormatting.localTime(flight.arrival, timeZone: zones[flight.destination]),
        ]
        if let gate = flight.gate { model["gate"] = gate }
        return model
    }

    static func passengers(_ passengers: [BookedPassenger]) -> [[String: Any]] {
        passengers.map { passenger in
            var entry: [String: Any] = ["name": "\(passenger.firstName) \(passenger.lastName)", "seat": passenger.seat ?? "—"]
            if let ticket = passenger.ticketNumber { entry["ticket"] = ticket }
            return entry
        }
    }

    /// The person an email to a booking's contact greets: its first passenger.
    static func contactName(_ passengers: [BookedPassenger]) -> String? {
        passengers.first.map { "\($0.firstName) \($0.lastName)" }
    }

    static func booking(_ booking: BookingRecord, flight: FlightRecord?, zones: [String: String]) -> [String: Any] {
        var model: [String: Any] = ["passengers": passengers(booking.passengers)]
        if let pnr = booking.pnr { model["pnr"] = pnr }
        if let cabin = booking.cabin { model["cabin"] = cabin }
        if let total = booking.total { model["total"] = EmailFormatting.money(total, currency: booking.currency) }
        if let flight { model["flight"] = Self.flight(flight, zones: zones) }
        return model
    }
}
