import Contracts
import Foundation

/// Made-up data for each kind of email, so a person can look at one without sending it
/// (`airfleet notifications preview <kind>`), and tests can render every template.
public enum SampleEmails {
    public static func model(_ kind: NotificationKind) -> [String: Any] {
        let departure = Date(timeIntervalSince1970: 1_795_000_000)
        let flight = FlightRecord(flightId: UUID(), number: "AF1234", origin: "CDG", destination: "JFK", departure: departure,
                                  arrival: departure.addingTimeInterval(8.5 * 3600), gate: "K42", status: "scheduled")
        let zones = ["CDG": "Europe/Paris", "JFK": "America/New_York"]
        let booking = BookingRecord(
            bookingId: UUID(), customerId: UUID(), flightId: flight.flightId, pnr: "K7QZ2M", cabin: "economy",
            passengers: [BookedPassenger(firstName: "Zoë", lastName: "Ångström", dateOfBirth: "1990-04-01", seat: "12A",
                                         ticketNumber: "9991234567897"),
                         BookedPassenger(firstName: "Jean", lastName: "Dupont", dateOfBirth: "1988-09-12", seat: "12B",
                                         ticketNumber: "9991234567901")],
            total: 123_450, currency: "EUR", contactEmail: "zoe@example.com", state: "confirmed")
        var model = EmailModel.booking(booking, flight: flight, zones: zones)
        model["name"] = EmailModel.contactName(booking.passengers)
        switch kind {
        case .bookingConfirmed, .bookingExpired: break
        case .bookingCancelled:
            model["reason"] = "customer request"
            model["refund"] = EmailFormatting.money(61_725, currency: "EUR")
        case .bookingFailed:
            model["reason"] = "payment declined"
            model["detail"] = "insufficient funds"
        case .flightDelayed:
            model["previousDeparture"] = EmailFormatting.localTime(departure.addingTimeInterval(-5400), timeZone: "Europe/Paris")
            model["reason"] = "late inbound aircraft"
        case .gateChanged:
            model["previousGate"] = "K38"
        case .flightCancelled:
            model["reason"] = "crew shortage"
        case .reminder24h, .reminder2h:
            model["hours"] = ReminderSchedule.hoursBefore(kind) ?? 0
        }
        return model
    }
}
