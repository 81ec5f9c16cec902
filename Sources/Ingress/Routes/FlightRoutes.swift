import Contracts
import Foundation
import Hummingbird

/// Airports, flight search and reads, and the staff's flight changes.
extension IngressRoutes {
    struct NewFlight: Decodable, Sendable {
        var number: String
        var origin: String
        var destination: String
        var departure: Date
        var arrival: Date
        var aircraftType: String
        var fares: [String: Int]
        var currency: String
        var gate: String?
    }

    struct FlightChange: Decodable, Sendable {
        var number: String?
        var aircraftType: String?
        var fares: [String: Int]?
        var currency: String?
    }

    struct Delay: Decodable, Sendable {
        var departure: Date
        var arrival: Date
        var reason: String?
    }

    struct GateChange: Decodable, Sendable {
        var gate: String
        var reason: String?
    }

    struct Cancellation: Decodable, Sendable {
        var reason: String
    }

    func registerAirports(on table: RouteTable) {
        table.add(.get, "/v1/airports", access: .anyone) { request, context in
            let query = ListAirports(country: request.uri.queryParameters.get("country"))
            try query.validate()
            return try .json(try await ask(query, context))
        }
    }

    func registerFlights(on table: RouteTable) {
        table.add(.get, "/v1/flights", access: .anyone) { request, context in
            let search = try SearchParameters.parse(request.uri.queryParameters)
            try search.validate()
            let refresh = request.headers[.cacheControl]?.contains("no-cache") == true
            let answer = try await searchAnswers.answer(search, refresh: refresh) { try await ask(search, context) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: answer.body))
        }

        table.add(.post, "/v1/flights", access: .admin) { request, context in
            let new = try await body.decode(NewFlight.self, from: request, context: context)
            let command = ScheduleFlight(flightId: UUID(), number: new.number, origin: new.origin, destination: new.destination,
                                         departure: new.departure, arrival: new.arrival, aircraftType: new.aircraftType,
                                         fares: new.fares, currency: new.currency, gate: new.gate)
            try command.validate()
            try await airports.check(command.origin, field: "origin", correlationId: context.requestId)
            try await airports.check(command.destination, field: "destination", correlationId: context.requestId)
            let location = "/v1/flights/\(command.flightId.lowercasedString)"
            return try await send(command, subject: command.flightId, statusURL: location, request: request, context: context) { message in
                try outcome(message, is: FlightScheduled.self, status: .created, headers: [.location: location]) ?? unexpectedOutcome(message)
            }
        }

        table.add(.get, "/v1/flights/:flightId", access: .anyone) { _, context in
            try .json(try await ask(GetFlight(flightId: try uuid("flightId", context)), context))
        }

        table.add(.patch, "/v1/flights/:flightId", access: .admin) { request, context in
            let flightId = try uuid("flightId", context)
            let change = try await body.decode(FlightChange.self, from: request, context: context)
            let command = UpdateFlight(flightId: flightId, number: change.number, aircraftType: change.aircraftType,
                                       fares: change.fares, currency: change.currency)
            return try await send(command, subject: flightId, statusURL: flightURL(flightId), request: request, context: context) { message in
                try outcome(message, is: FlightUpdated.self) ?? unexpectedOutcome(message)
            }
        }

        table.add(.post, "/v1/flights/:flightId/delay", access: .staff) { request, context in
            let flightId = try uuid("flightId", context)
            let delay = try await body.decode(Delay.self, from: request, context: context)
            let command = DelayFlight(flightId: flightId, departure: delay.departure, arrival: delay.arrival, reason: delay.reason)
            return try await send(command, subject: flightId, statusURL: flightURL(flightId), request: request, context: context) { message in
                try outcome(message, is: FlightDelayed.self) ?? unexpectedOutcome(message)
            }
        }

        table.add(.post, "/v1/flights/:flightId/gate", access: .staff) { request, context in
            let flightId = try uuid("flightId", context)
            let change = try await body.decode(GateChange.self, from: request, context: context)
            let command = ChangeGate(flightId: flightId, gate: change.gate, reason: change.reason)
            return try await send(command, subject: flightId, statusURL: flightURL(flightId), request: request, context: context) { message in
                try outcome(message, is: FlightGateChanged.self) ?? unexpectedOutcome(message)
            }
        }

        table.add(.post, "/v1/flights/:flightId/cancel", access: .staff) { request, context in
            let flightId = try uuid("flightId", context)
            let cancellation = try await body.decode(Cancellation.self, from: request, context: context)
            let command = CancelFlight(flightId: flightId, reason: cancellation.reason)
            return try await send(command, subject: flightId, statusURL: flightURL(flightId), request: request, context: context) { message in
                try outcome(message, is: FlightCancelled.self) ?? unexpectedOutcome(message)
            }
        }

        table.add(.get, "/v1/flights/:flightId/seats", access: .anyone) { _, context in
            try .json(try await ask(GetSeatMap(flightId: try uuid("flightId", context)), context))
        }
    }

    private func flightURL(_ id: UUID) -> String { "/v1/flights/\(id.lowercasedString)" }
}

/// `GET /v1/flights?origin=CDG&destination=JFK&date=2026-12-01&passengers=2&cabin=economy&sort=price&page=1&pageSize=20`
enum SearchParameters {
    static func parse(_ parameters: Parameters) throws -> SearchFlights {
        func required(_ name: String) throws -> String {
            guard let value = parameters.get(name), !value.isEmpty else {
                throw Problem.invalid(name, "is required (a query parameter)")
            }
            return value
        }
        func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type) throws -> T? where T.RawValue == String {
            guard let text = parameters.get(name) else { return nil }
            guard let value = T(rawValue: text) else {
                throw Problem.invalid(name, "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
            }
            return value
        }
        return SearchFlights(origin: try required("origin"), destination: try required("destination"), date: try required("date"),
                             passengers: try parameters.integer("passengers") ?? 1, cabin: try choice("cabin", Cabin.self) ?? .economy,
                             sort: try choice("sort", SearchFlights.Sort.self), page: try parameters.integer("page"),
                             pageSize: try parameters.integer("pageSize"))
    }
}

extension Parameters {
    /// A whole-number query parameter, or nil when absent; a 400 naming it when it is not one.
    func integer(_ name: String) throws -> Int? {
        guard let text = get(name) else { return nil }
        guard let value = Int(text) else { throw Problem.invalid(name, "must be a whole number, not '\(text)'") }
        return value
    }
}
