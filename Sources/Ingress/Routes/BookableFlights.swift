import Contracts
import Fleet
import Foundation
import Synchronization

/// What the ingress knows of flights to refuse, before anything is published, a booking that
/// could only fail: a flight that is unknown, cancelled or gone, a cabin the aircraft lacks, a
/// seat it does not have or has in another cabin.
///
/// A flight is asked of the flights context once and kept until the flight feed reports a
/// schedule change or `freshness` passes; a seat map is kept per aircraft type, since every
/// flight of a type has its layout. Nothing is kept while the feed is disconnected. When the
/// flights context cannot be asked, the checks are left to it: the booking then fails with the
/// same reason a little later instead of being refused now.
final class BookableFlights: Sendable {
    struct Flight: Sendable {
        let number: String
        let departure: Date
        let cancelled: Bool
        let aircraftType: String
        let cabins: [Cabin]
    }

    private struct Kept<Value: Sendable>: Sendable {
        let value: Value
        let fetched: ContinuousClock.Instant
    }

    /// Beyond this many flights the oldest are not worth their memory: all are dropped.
    static let capacity = 20_000
    static let freshness = Duration.seconds(60)
    /// Layouts change only with a new version of the flights context.
    static let layoutFreshness = Duration.seconds(600)

    private let gateway: BrokerGateway
    private let timeout: Duration
    private let feedIsListening: @Sendable () -> Bool
    private let flights = Mutex<[UUID: Kept<Flight>]>([:])
    /// Counts schedule changes, so an answer asked for before one is not kept after it.
    private let changes = Atomic<UInt64>(0)
    /// Seat → cabin, by aircraft type.
    private let layouts = Mutex<[String: Kept<[String: Cabin]>]>([:])

    init(gateway: BrokerGateway, timeout: Duration) {
        self.gateway = gateway
        self.timeout = timeout
        let feed = gateway.flightUpdates
        feedIsListening = { feed.isListening }
        feed.observeChanges { [weak self] change in
            guard change == .schedule, let self else { return }
            changes.add(1, ordering: .sequentiallyConsistent)
            flights.withLock { $0.removeAll(keepingCapacity: true) }
        }
    }

    /// Throws the problem that names what makes `booking` impossible, if the ingress can tell.
    func check(_ booking: CreateBooking, now: Date = Date(), correlationId: String) async throws {
        guard let flight = try await flight(booking.flightId, correlationId: correlationId) else { return }
        let id = booking.flightId.lowercasedString
        guard !flight.cancelled else {
            throw Problem.unprocessable("flightId: flight \(flight.number) (\(id)) is cancelled and cannot be booked", field: "flightId")
        }
        guard flight.departure > now else {
            throw Problem.unprocessable(
                "flightId: flight \(flight.number) (\(id)) departed at \(FleetJSON.formatTimestamp(flight.departure)); "
                    + "only flights departing later than now can be booked", field: "flightId")
        }
        guard flight.cabins.contains(booking.cabin) else {
            throw Problem.invalid("cabin", "flight \(flight.number) (\(flight.aircraftType)) has no \(booking.cabin.rawValue) cabin; "
                + "its cabins are \(flight.cabins.map(\.rawValue).joined(separator: ", "))")
        }
        guard booking.passengers.contains(where: { $0.seat != nil }),
              let layout = await layout(of: flight.aircraftType, flightId: booking.flightId, correlationId: correlationId) else { return }
        for (index, passenger) in booking.passengers.enumerated() {
            guard let seat = passenger.seat else { continue }
            let field = "passengers[\(index)].seat"
            guard let seatCabin = layout[seat] else {
                throw Problem.invalid(field, "\(seat) is not a seat of the \(flight.aircraftType) that flies \(flight.number)")
            }
            guard seatCabin == booking.cabin else {
                throw Problem.invalid(field, "\(seat) is a \(seatCabin.rawValue) seat; this booking is for \(booking.cabin.rawValue)")
            }
        }
    }

    /// The flight, or nil when the flights context cannot tell now. Unknown is a 422.
    private func flight(_ flightId: UUID, correlationId: String) async throws -> Flight? {
        if let kept = flights.withLock({ $0[flightId] }), ContinuousClock.now - kept.fetched < Self.freshness { return kept.value }
        let listening = feedIsListening()
        let changesBefore = changes.load(ordering: .sequentiallyConsistent)
        let fetched = ContinuousClock.now
        let answer: GetFlight.Response
        do {
            answer = try await gateway.ask(GetFlight(flightId: flightId), correlationId: correlationId, timeout: timeout)
        } catch let error as QueryError where error.kind == .notFound {
            throw Problem.unprocessable("flightId: no flight \(flightId.lowercasedString); GET /v1/flights finds flights",
                                        field: "flightId")
        } catch {
            return nil
        }
        let flight = Flight(number: answer.flight.number, departure: answer.flight.departure,
                            cancelled: answer.flight.status == "cancelled", aircraftType: answer.flight.aircraftType,
                            cabins: answer.cabins.map(\.cabin))
        if listening {
            flights.withLock { flights in
                guard changes.load(ordering: .sequentiallyConsistent) == changesBefore else { return }
                if flights.count >= Self.capacity { flights.removeAll(keepingCapacity: true) }
                flights[flightId] = Kept(value: flight, fetched: fetched)
            }
        }
        return flight
    }

    private func layout(of aircraftType: String, flightId: UUID, correlationId: String) async -> [String: Cabin]? {
        if let kept = layouts.withLock({ $0[aircraftType] }), ContinuousClock.now - kept.fetched < Self.layoutFreshness {
            return kept.value
        }
        guard let map = try? await gateway.ask(GetSeatMap(flightId: flightId), correlationId: correlationId, timeout: timeout),
              map.aircraftType == aircraftType else { return nil }
        let layout = Dictionary(map.seats.map { ($0.seat, $0.cabin) }, uniquingKeysWith: { first, _ in first })
        layouts.withLock { $0[aircraftType] = Kept(value: layout, fetched: .now) }
        return layout
    }
}
