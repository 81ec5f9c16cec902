import Contracts
import Fleet
import Foundation
import Postgres

/// flight.scheduled/updated keep the flight; delayed, gate-changed and cancelled also write to
/// every booking on the flight and every subscriber of it (someone who is both hears once).
struct FlightHandlers {
    let notifier: Notifier

    func scheduled(_ envelope: Envelope<FlightScheduled>, _ context: HandlerContext) throws {
        notifier.flightsAhead.forget(envelope.data.flight.flightId)
        try ReadModel.upsert(context.database, flight: envelope.data.flight)
    }

    func updated(_ envelope: Envelope<FlightUpdated>, _ context: HandlerContext) throws {
        notifier.flightsAhead.forget(envelope.data.flight.flightId)
        try ReadModel.upsert(context.database, flight: envelope.data.flight)
    }

    func delayed(_ envelope: Envelope<FlightDelayed>, _ context: HandlerContext) throws {
        let event = envelope.data
        let db = context.database
        notifier.flightsAhead.forget(event.flightId)
        try record(db, event.flightId, number: event.number, origin: event.origin, destination: event.destination,
                   departure: event.departure, arrival: event.arrival, gate: event.gate, status: "delayed")
        try Reminders.move(db, flightId: event.flightId, departure: event.departure)
        let zones = try ReadModel.timeZones(db, [event.origin])
        var extra: [String: Any] = ["previousDeparture": EmailFormatting.localTime(event.previousDeparture, timeZone: zones[event.origin])]
        if let reason = event.reason { extra["reason"] = reason }
        try fanOut(.flightDelayed, event.flightId, occurrence: DeliveryKey.occurrence(of: event.departure), extra: extra, context)
    }

    func gateChanged(_ envelope: Envelope<FlightGateChanged>, _ context: HandlerContext) throws {
        let event = envelope.data
        let db = context.database
        notifier.flightsAhead.forget(event.flightId)
        if try ReadModel.flight(db, event.flightId) == nil {
            _ = try notifier.flight(context, event.flightId)
        }
        try db.execute("UPDATE flights SET gate = $2, updated_at = now() WHERE flight_id = $1", event.flightId, event.gate)
        var extra: [String: Any] = [:]
        if let previous = event.previousGate { extra["previousGate"] = previous }
        if let reason = event.reason { extra["reason"] = reason }
        try fanOut(.gateChanged, event.flightId, occurrence: event.gate, extra: extra, context)
    }

    func cancelled(_ envelope: Envelope<FlightCancelled>, _ context: HandlerContext) throws {
        let event = envelope.data
        let db = context.database
        notifier.flightsAhead.forget(event.flightId)
        let known = try ReadModel.flight(db, event.flightId)
        try record(db, event.flightId, number: event.number, origin: event.origin, destination: event.destination,
                   departure: event.departure, arrival: event.arrival, gate: known?.gate, status: "cancelled")
        try Reminders.drop(db, flightId: event.flightId)
        try fanOut(.flightCancelled, event.flightId, occurrence: "1", extra: ["reason": event.reason], context)
    }

    private func record(_ db: PostgresConnection, _ flightId: UUID, number: String, origin: String, destination: String,
                        departure: Date, arrival: Date, gate: String?, status: String) throws {
        try db.execute(
            """
            INSERT INTO flights (flight_id, number, origin, destination, departure, arrival, gate, status, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
            ON CONFLICT (flight_id) DO UPDATE SET departure = $5, arrival = $6, gate = COALESCE($7, flights.gate), status = $8,
                updated_at = now()
            """, flightId, number, origin, destination, departure, arrival, gate, status)
    }

    private func fanOut(_ kind: NotificationKind, _ flightId: UUID, occurrence: String, extra: [String: Any],
                        _ context: HandlerContext) throws {
        let db = context.database
        let flight = try ReadModel.flight(db, flightId)
        let zones = try notifier.zones(flight) { db }
        var letters: [Letter] = []
        var reached = Set<String>()
        for booking in try ReadModel.confirmedBookings(db, flightId: flightId) {
            var model = EmailModel.booking(booking, flight: flight, zones: zones)
            model.merge(extra) { $1 }
            reached.insert(booking.contactEmail.lowercased())
            letters.append(Letter(key: DeliveryKey(.booking(booking.bookingId), kind, occurrence: occurrence),
                                  addressee: NotificationAddressee(bookingId: booking.bookingId, customerId: booking.customerId,
                                                                   email: booking.contactEmail),
                                  recipientName: EmailModel.contactName(booking.passengers), flightId: flightId, model: { model }))
        }
        for subscription in try ReadModel.activeSubscriptions(db, flightId: flightId)
        where reached.insert(subscription.email.lowercased()).inserted {
            var model: [String: Any] = flight.map { ["flight": EmailModel.flight($0, zones: zones)] } ?? [:]
            model.merge(extra) { $1 }
            letters.append(Letter(key: DeliveryKey(.subscription(subscription.subscriptionId), kind, occurrence: occurrence),
                                  addressee: NotificationAddressee(subscriptionId: subscription.subscriptionId,
                                                                   customerId: subscription.customerId, email: subscription.email),
                                  recipientName: nil, flightId: flightId, model: { model }))
        }
        try notifier.deliverAll(letters, context)
    }
}
