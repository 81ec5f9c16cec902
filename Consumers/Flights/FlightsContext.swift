import Contracts
import Fleet
import Foundation
import Postgres

/// The Flights bounded context: airports, aircraft layouts, flights and their status, search,
/// and the seat inventory the booking saga holds, confirms and releases.
public enum FlightsContext {
    public static let name = "flights"

    /// - Parameter holdSweepInterval: how often each process looks for holds whose time is up.
    public static func definition(holdSweepInterval: Duration = .seconds(1)) -> ContextDefinition {
        var registry = HandlerRegistry(context: name)
        registry.handle(ScheduleFlight.self, ScheduleFlightHandler.handle)
        registry.handle(UpdateFlight.self, UpdateFlightHandler.handle)
        registry.handle(DelayFlight.self, FlightStatusHandlers.delay)
        registry.handle(ChangeGate.self, FlightStatusHandlers.changeGate)
        registry.handle(CancelFlight.self, FlightStatusHandlers.cancel)
        registry.handle(HoldSeats.self, HoldSeatsHandler.handle)
        registry.handle(ReleaseSeats.self, ReleaseAndConfirmHandlers.release)
        registry.handle(ConfirmSeats.self, ReleaseAndConfirmHandlers.confirm)

        registry.answer(SearchFlights.self, SearchFlightsQuery.answer)
        registry.answer(GetFlight.self, FlightReadQueries.get)
        registry.answer(GetFlightBoard.self, FlightBoardQuery.answer)
        registry.answer(GetSeatMap.self, FlightReadQueries.seatMap)
        registry.answer(ListAirports.self, FlightReadQueries.airports)

        registry.schedule("expire-holds", every: holdSweepInterval) { context in
            try HoldExpiry.sweep(context.database, now: context.now) {
                try context.emit($0, subject: $0.flightId.lowercasedString)
            }
        }
        return ContextDefinition(registry: registry, migrations: migrations()).withReadAhead(FlightsReadAhead.load)
    }

    /// The context's SQL migrations, shipped as the target's resources.
    public static func migrations() -> [Migration] {
        Migration.shipped(in: .module, by: "Flights")
    }
}
