import Contracts
import Fleet
import Foundation
import Hummingbird

/// The day's board of flights, and a flight's page: its status, live from the flight's update
/// stream, its bookings, and delay, gate change and cancellation, sent as the API's commands and
/// waited for.
extension Console {
    static let commandWait = Duration.seconds(10)
    /// The most flights the board shows; the flights context answers no more in one query.
    static let boardLimit = 500

    func registerFlights(on group: RouterGroup<Context>) {
        group.get("flights", use: page { request, context, session in
            if let text = request.uri.queryParameters["flight"].map(String.init), !text.isEmpty {
                guard let id = UUID(uuidString: text.trimmingCharacters(in: .whitespaces)) else {
                    return pages.page("flights", title: "Flights", session: session, current: "flights",
                                      values: ["page": "flights", "error": "A flight id is a UUID such as 0b6c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e."],
                                      status: .badRequest)
                }
                return ConsolePages.redirect(to: "/console/flights/\(id.lowercasedString)")
            }
            return try await board(request, context, session)
        })

        group.get("flights/:flightId", use: page { _, context, session in
            guard let id = context.parameters.get("flightId").flatMap(UUID.init(uuidString:)) else {
                return message("Flight", "A flight id is a UUID.", failed: true, session: session, status: .badRequest, back: "/console/flights")
            }
            let flight: FlightSnapshot
            do {
                flight = try await routes.ask(GetFlight(flightId: id), context).flight
            } catch let error as QueryError where error.kind == .notFound {
                return message("Flight", "There is no flight \(id.lowercasedString).", failed: true, session: session, status: .notFound,
                               back: "/console/flights")
            }
            let bookings = try await routes.ask(ListBookings(flightId: id, pageSize: 100), context).bookings
            var values = Self.values(of: flight)
            values["page"] = "flight"
            values["bookings"] = bookings.map(Self.row)
            values["hasBookings"] = !bookings.isEmpty
            return pages.page("flight", title: "Flight \(flight.number)", session: session, current: "flights", values: values)
        })

        group.post("flights/:flightId/delay", use: action("flight delay") { _, context, session, form in
            let id = try flightId(context)
            let command = DelayFlight(flightId: id, departure: try Self.time(form["departure"], "departure"),
                                      arrival: try Self.time(form["arrival"], "arrival"), reason: form.text("reason"))
            return try await sendFlightCommand(command, flightId: id, done: FlightDelayed.self, verb: "Delayed", session: session, context: context)
        })

        group.post("flights/:flightId/gate", use: action("flight gate change") { _, context, session, form in
            let id = try flightId(context)
            let command = ChangeGate(flightId: id, gate: form.text("gate") ?? "", reason: form.text("reason"))
            return try await sendFlightCommand(command, flightId: id, done: FlightGateChanged.self, verb: "Gate changed", session: session, context: context)
        })

        group.post("flights/:flightId/cancel", use: action("flight cancel") { _, context, session, form in
            let id = try flightId(context)
            guard form["confirm"] == "yes" else { throw ConsoleError("tick the box that confirms the cancellation") }
            let command = CancelFlight(flightId: id, reason: form.text("reason") ?? "")
            return try await sendFlightCommand(command, flightId: id, done: FlightCancelled.self, verb: "Cancelled", session: session, context: context)
        })
    }

    /// The flights departing on the UTC day `date` names (today without it), in departure order,
    /// each linking to its page. Statuses are as they were when the page was read: the board
    /// would need one event stream per flight to follow them all, and a flight's page follows its own.
    private func board(_ request: Request, _ context: Context, _ session: ConsoleSession) async throws -> Response {
        let text = request.uri.queryParameters["date"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let day: BoardDay
        do {
            day = try text.isEmpty ? BoardDay(Date()) : BoardDay(text)
        } catch let error as ValidationError {
            return pages.page("flights", title: "Flights", session: session, current: "flights",
                              values: ["page": "flights", "date": text, "error": "The date \(error.reason): write it as YYYY-MM-DD, such as 2026-12-07."],
                              status: .badRequest)
        }
        let flights = try await routes.ask(GetFlightBoard(date: day.text, limit: Self.boardLimit), context).flights
        let values: [String: Any] = [
            "page": "flights", "board": true, "day": day.text, "date": day.text, "previous": day.adding(-1).text, "next": day.adding(1).text,
            "readAt": FleetRow.time(Date()), "flights": flights.map(Self.boardRow), "hasFlights": !flights.isEmpty,
            "truncated": flights.count == Self.boardLimit, "limit": Self.boardLimit,
        ]
        return pages.page("flights", title: "Flights \(day.text)", session: session, current: "flights", values: values)
    }

    static func boardRow(_ flight: FlightSnapshot) -> [String: Any] {
        ["link": "/console/flights/\(flight.flightId.lowercasedString)", "number": flight.number, "origin": flight.origin,
         "destination": flight.destination, "departure": FleetRow.time(flight.departure), "arrival": FleetRow.time(flight.arrival),
         "status": flight.status, "cancelled": flight.status == "cancelled", "gate": flight.gate ?? "–"]
    }

    /// Checks the command's rules, publishes it and waits for what it caused, as the API does
    /// for a client that sends `Prefer: wait`; logs who sent it and what came of it.
    private func sendFlightCommand<C: Command, Done: Message>(_ command: C, flightId: UUID, done: Done.Type, verb: String,
                                                              session: ConsoleSession, context: Context) async throws -> Response {
        let back = "/console/flights/\(flightId.lowercasedString)"
        do {
            try command.validate()
        } catch {
            return message("Not sent", "\(error)", failed: true, session: session, status: .badRequest, back: back)
        }
        let dispatch = try await routes.gateway.send(command, subject: flightId.lowercasedString, correlationId: context.requestId,
                                                     wait: Self.commandWait)
        let outcome: String
        let failed: Bool
        if let reply = dispatch.outcome {
            if let failure = reply.failure {
                (outcome, failed) = ("Refused: \(failure.reason)", true)
            } else if reply.carries(Done.self) {
                (outcome, failed) = ("\(verb).", false)
            } else {
                (outcome, failed) = ("The flights context answered \(reply.type ?? "something unexpected").", true)
            }
        } else {
            (outcome, failed) = ("Sent; the flights context has not answered within \(Self.commandWait.components.seconds) s. The page shows the change once it is made.", false)
        }
        context.logger.notice("console: flight command", metadata: [
            "user": "\(session.who)", "command": "\(C.messageType)", "flight": "\(flightId.lowercasedString)",
            "command_id": "\(dispatch.commandId)", "outcome": "\(outcome)"])
        return message(verb, outcome, failed: failed, session: session, back: back)
    }

    private func flightId(_ context: Context) throws -> UUID {
        guard let id = context.parameters.get("flightId").flatMap(UUID.init(uuidString:)) else { throw ConsoleError("a flight id is a UUID") }
        return id
    }

    /// A time from a form's `datetime-local` field (`2026-12-07T14:30`), taken as UTC.
    static func time(_ text: String?, _ field: String) throws -> Date {
        let text = text?.trimmingCharacters(in: .whitespaces) ?? ""
        guard let date = FleetJSON.parseTimestamp(text.count == 16 ? text + ":00Z" : text) else {
            throw ConsoleError("\(field) must be a time such as 2026-12-07T14:30 (UTC)")
        }
        return date
    }

    static func formField(_ date: Date) -> String { String(FleetJSON.formatTimestamp(date).prefix(16)) }

    static func values(of flight: FlightSnapshot) -> [String: Any] {
        var values: [String: Any] = [
            "flightId": flight.flightId.lowercasedString, "number": flight.number, "origin": flight.origin,
            "destination": flight.destination, "departure": FleetRow.time(flight.departure), "arrival": FleetRow.time(flight.arrival),
            "departureField": formField(flight.departure), "arrivalField": formField(flight.arrival),
            "aircraftType": flight.aircraftType, "status": flight.status, "gate": flight.gate ?? "–",
        ]
        values["cancelled"] = flight.status == "cancelled"
        return values
    }

    static func row(_ booking: BookingView) -> [String: Any] {
        ["bookingId": booking.bookingId.lowercasedString, "pnr": booking.pnr ?? "–", "state": booking.state.rawValue,
         "passengers": booking.passengers.count, "seats": booking.seats.joined(separator: " "), "email": booking.contactEmail,
         "link": "/console/bookings?q=\(booking.bookingId.lowercasedString)"]
    }
}

/// A UTC calendar day as the board's `date` parameter and `flight.board.v1` write it.
struct BoardDay {
    private static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar
    }

    let start: Date

    init(_ date: Date) { start = Self.calendar.startOfDay(for: date) }

    /// - Throws: `ValidationError` unless `text` is a day of the calendar as YYYY-MM-DD.
    init(_ text: String) throws {
        let (year, month, day) = try FlightRules.localDate(text, field: "date")
        start = Self.calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    var text: String { String(FleetJSON.formatTimestamp(start).prefix(10)) }

    func adding(_ days: Int) -> BoardDay { BoardDay(Self.calendar.date(byAdding: .day, value: days, to: start)!) }
}
