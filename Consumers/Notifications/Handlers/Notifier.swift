import Contracts
import Fleet
import Foundation
import Postgres

/// What the handlers share: the postman, the flight directory, and the way a delivery's outcome
/// becomes the handler's result.
struct Notifier {
    let postman: Postman
    let messenger: GatewayMessenger
    /// Which customers take which kinds of notice by which channel.
    let contacts = ContactBook()
    let flights: FlightDirectory
    let zones = AirportZones()
    let flightsAhead = FlightsAhead()

    /// The flight its batch read ahead, else from the read model, else from the flights context
    /// when the read model has not heard of it (then remembered). Only a flight not read ahead
    /// touches `context.database`, which would send the batch's queued writes in a round trip of
    /// their own.
    func flight(_ context: HandlerContext, _ flightId: UUID) throws -> FlightRecord? {
        if let known = flightsAhead.flight(flightId) { return known }
        let db = context.database
        if let known = try ReadModel.flight(db, flightId) { return known }
        let snapshot: FlightSnapshot?
        do {
            snapshot = try flights.flight(flightId)
        } catch {
            throw HandlerError.transient("flight \(flightId.lowercasedString) is not known here and flights did not answer: \(error)")
        }
        guard let snapshot else { return nil }
        try ReadModel.upsert(db, flight: snapshot)
        return try ReadModel.flight(db, flightId)
    }

    /// The time zones of the flight's airports; only an airport not met before is read from `database`.
    func zones(_ flight: FlightRecord?, database: () -> PostgresConnection) throws -> [String: String] {
        guard let flight else { return [:] }
        return try zones.of([flight.origin, flight.destination], database)
    }

    /// A letter by every channel its customer chose for its kind of notice: email through the
    /// postman, SMS and push through their gateways. A channel that may pass later makes the whole a retry,
    /// and the ledgers keep the channels done already from going twice.
    func deliver(_ letter: Letter, _ context: HandlerContext) throws -> DeliveryOutcome {
        let contact = try contacts.contact(of: letter) { context.database }
        var outcomes: [DeliveryOutcome] = []
        if contact.takes(letter.key.kind, by: .email) {
            outcomes.append(try postman.deliver(letter, context))
        } else {
            context.logger.debug("no email: the customer chose other channels for this kind of notice", metadata: ["delivery": "\(letter.key)"])
        }
        outcomes.append(try messenger.deliver(letter, to: contact, text: { try postman.render(letter, at: context.now).subject }, context))
        return DeliveryOutcome.combining(outcomes)
    }

    /// One letter that is the whole point of its message: a passing failure retries the message,
    /// a refusal dead-letters it with the words of whoever refused.
    func deliverOne(_ letter: Letter, _ context: HandlerContext) throws {
        switch try deliver(letter, context) {
        case .sent, .skipped: return
        case .retryLater(let reason): throw HandlerError.transient("\(letter.key): \(reason)")
        case .refused(let reason): throw HandlerError.permanent("\(letter.key): \(reason)")
        }
    }

    /// Many emails for one message: each is tried; a refusal is announced and does not hold up
    /// the rest; a passing failure retries the message once all have been tried, and the
    /// ledger keeps those already sent from going twice.
    func deliverAll(_ letters: [Letter], _ context: HandlerContext) throws {
        try contacts.readAhead(Array(Set(letters.compactMap(\.addressee.customerId)))) { context.database }
        var retry: [String] = []
        for letter in letters {
            if case .retryLater(let reason) = try deliver(letter, context) { retry.append("\(letter.key): \(reason)") }
        }
        if !retry.isEmpty {
            throw HandlerError.transient("\(retry.count) of \(letters.count) notices not sent yet; first: \(retry[0])")
        }
    }
}

/// Airports' time zones, read once per airport: every email names two, and an airport does not
/// move. A code the table lacks is asked for again next time.
final class AirportZones: @unchecked Sendable {
    private let lock = NSLock()
    private var known: [String: String] = [:]

    func of(_ codes: [String], _ database: () -> PostgresConnection) throws -> [String: String] {
        var cached: [String: String] = [:]
        lock.withLock { for code in codes { cached[code] = known[code] } }
        let missing = codes.filter { cached[$0] == nil }
        guard !missing.isEmpty else { return cached }
        let found = try ReadModel.timeZones(database(), missing)
        lock.withLock { known.merge(found) { $1 } }
        return cached.merging(found) { $1 }
    }
}
