import Contracts
import Fleet
import Foundation
import Postgres

/// booking.confirmed/cancelled/failed/expired: keep the booking, schedule or drop its
/// reminders, and write to its contact.
struct BookingHandlers {
    let notifier: Notifier

    func confirmed(_ envelope: Envelope<BookingConfirmed>, _ context: HandlerContext) throws {
        let event = envelope.data
        let booking = Self.record(of: event)
        try ReadModel.save(context, booking)
        let flight = try notifier.flight(context, event.flightId)
        if let flight, flight.status != "cancelled" {
            try Reminders.schedule(context, bookingId: event.bookingId, departure: flight.departure)
        }
        try notifier.deliverOne(letter(.bookingConfirmed, booking, flight: flight) { context.database }, context)
    }

    /// Sends the confirmations of a batch before its handlers run (`Postman.sendAhead`): most
    /// messages are confirmations, and their SMTP exchanges then overlap instead of following
    /// each other. A confirmation whose flight the read model lacks is left to its handler.
    func sendConfirmationsAhead(_ db: PostgresConnection, _ batch: [ContextDefinition.BatchMessage]) {
        // What the last batch's handlers did not take (a duplicate, a retry) is stale now.
        notifier.postman.sentAhead.replace(with: [:])
        notifier.contacts.replace(with: [:])
        notifier.flightsAhead.replace(with: [:])
        let traced = batch.compactMap { message in message.data(as: BookingConfirmed.self).map { (event: $0, trace: message.trace) } }
        let events = traced.map(\.event)
        // One email gains nothing from company; its handler sends it as always.
        guard events.count > 1 else { return }
        do {
            let flights = try ReadModel.flights(db, Array(Set(events.map(\.flightId))))
            notifier.flightsAhead.replace(with: flights)
            let contacts = try ContactBook.contacts(db, of: Array(Set(events.map(\.customerId))))
            notifier.contacts.replace(with: contacts)
            var traces: [String: MessageTrace] = [:]
            let letters = try traced.compactMap { event, trace -> Letter? in
                // A confirmation its customer takes by other channels only is left to its handler, which skips it.
                guard let flight = flights[event.flightId],
                      (contacts[event.customerId] ?? .unknown).takes(.bookingConfirmed, by: .email) else { return nil }
                let letter = try letter(.bookingConfirmed, Self.record(of: event), flight: flight) { db }
                if let trace { traces[letter.key.description] = trace }
                return letter
            }
            try notifier.postman.sendAhead(letters, at: Date(), traces: traces)
        } catch {
            // The handlers meet whatever this was on their own.
            notifier.postman.ledger.logger.warning("could not send a batch's confirmations ahead; each is sent by its handler",
                                                   metadata: ["error": "\(error)"])
        }
    }

    private static func record(of event: BookingConfirmed) -> BookingRecord {
        BookingRecord(bookingId: event.bookingId, customerId: event.customerId, flightId: event.flightId, pnr: event.pnr,
                      cabin: event.cabin.rawValue, passengers: event.passengers, total: event.total, currency: event.currency,
                      contactEmail: event.contactEmail, state: "confirmed")
    }

    func cancelled(_ envelope: Envelope<BookingCancelled>, _ context: HandlerContext) throws {
        let event = envelope.data
        let db = context.database
        var booking = try ReadModel.booking(db, event.bookingId) ?? BookingRecord(
            bookingId: event.bookingId, customerId: event.customerId, flightId: event.flightId, pnr: event.pnr, cabin: nil,
            passengers: [], total: nil, currency: event.currency, contactEmail: event.contactEmail, state: "cancelled")
        booking.state = "cancelled"
        booking.contactEmail = event.contactEmail
        try ReadModel.save(context, booking)
        try Reminders.drop(db, bookingId: event.bookingId)
        let flight = try ReadModel.flight(db, event.flightId)
        var extra: [String: Any] = ["reason": event.reason.rawValue.replacingOccurrences(of: "-", with: " ")]
        if event.refundAmount > 0 { extra["refund"] = EmailFormatting.money(event.refundAmount, currency: event.currency ?? booking.currency) }
        try notifier.deliverOne(letter(.bookingCancelled, booking, flight: flight, extra: extra) { db }, context)
    }

    func failed(_ envelope: Envelope<BookingFailed>, _ context: HandlerContext) throws {
        let event = envelope.data
        let booking = try closed(event.bookingId, event.customerId, event.flightId, event.contactEmail, state: "failed", context)
        var extra: [String: Any] = ["reason": event.reason.rawValue.replacingOccurrences(of: "-", with: " ")]
        if let detail = event.detail { extra["detail"] = detail }
        let flight = try ReadModel.flight(context.database, event.flightId)
        try notifier.deliverOne(letter(.bookingFailed, booking, flight: flight, extra: extra) { context.database }, context)
    }

    func expired(_ envelope: Envelope<BookingExpired>, _ context: HandlerContext) throws {
        let event = envelope.data
        let booking = try closed(event.bookingId, event.customerId, event.flightId, event.contactEmail, state: "expired", context)
        let flight = try ReadModel.flight(context.database, event.flightId)
        try notifier.deliverOne(letter(.bookingExpired, booking, flight: flight) { context.database }, context)
    }

    private func closed(_ bookingId: UUID, _ customerId: UUID, _ flightId: UUID, _ email: String, state: String,
                        _ context: HandlerContext) throws -> BookingRecord {
        var booking = try ReadModel.booking(context.database, bookingId) ?? BookingRecord(
            bookingId: bookingId, customerId: customerId, flightId: flightId, pnr: nil, cabin: nil, passengers: [], total: nil,
            currency: nil, contactEmail: email, state: state)
        booking.state = state
        try ReadModel.save(context, booking)
        try Reminders.drop(context.database, bookingId: bookingId)
        return booking
    }

    /// The letter to a booking's contact; `database` is asked only for an airport whose time zone is not known yet.
    private func letter(_ kind: NotificationKind, _ booking: BookingRecord, flight: FlightRecord?, extra: [String: Any] = [:],
                        database: () -> PostgresConnection) throws -> Letter {
        let zones = try notifier.zones(flight, database: database)
        return Letter(key: DeliveryKey(.booking(booking.bookingId), kind),
                      addressee: NotificationAddressee(bookingId: booking.bookingId, customerId: booking.customerId,
                                                       email: booking.contactEmail),
                      recipientName: EmailModel.contactName(booking.passengers), flightId: booking.flightId, model: {
                          EmailModel.booking(booking, flight: flight, zones: zones).merging(extra) { $1 }
                      })
    }
}
