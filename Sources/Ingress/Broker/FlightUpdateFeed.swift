import AMQP
import Contracts
import Fleet
import Foundation
import Logging
import Synchronization

/// Flight status events as they are published, handed to whoever in this process follows
/// that flight (the server-sent-event streams of `/v1/flights/{id}/updates`), and news of what
/// changed to whoever keeps answers about flights (the search answers).
///
/// One thread and connection per process, with an exclusive queue bound to every `flight.*`
/// event and to the seat events that change how many seats are left: the broker fans the events
/// out to each ingress, and each ingress to its clients.
public final class FlightUpdateFeed: Sendable {
    /// What an event changed, for answers kept about flights.
    public enum Change: Sendable, Equatable {
        /// The seats left on one flight.
        case seats(flightId: UUID)
        /// Anything about any flight: a flight scheduled, moved or cancelled, or events missed
        /// while the feed was disconnected.
        case schedule
    }

    /// One event for a follower: its type, id and `data` as JSON.
    public struct Update: Sendable, Equatable {
        public let type: String
        public let id: String
        public let data: Data
    }

    private let lane: BrokerLane
    private let followers = Mutex<[String: [UInt64: AsyncStream<Update>.Continuation]]>([:])
    private let nextFollower = Atomic<UInt64>(0)
    private let bound = Atomic<Bool>(false)
    private let changeObservers = Mutex<[@Sendable (Change) -> Void]>([])

    init(amqp: AMQPConfiguration, logger: Logger) {
        lane = BrokerLane(name: "flight-updates", amqp: amqp, logger: logger)
    }

    /// The seat events after which a flight has another number of seats left. The others (a
    /// hold refused, seats sold that were held) would reach every ingress for nothing.
    static let seatCountChanges = [SeatsHeld.messageType, SeatsReleased.messageType, SeatsHoldExpired.messageType]

    /// The queue is bound: events published from now on reach followers.
    public var isListening: Bool { bound.load(ordering: .relaxed) }

    /// The updates of one flight from now on; the stream ends when the caller stops iterating.
    public func follow(_ flightId: UUID) -> AsyncStream<Update> {
        let key = flightId.lowercasedString
        let number = nextFollower.wrappingAdd(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<Update>.makeStream(bufferingPolicy: .bufferingNewest(100))
        followers.withLock { $0[key, default: [:]][number] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.followers.withLock { followers in
                followers[key]?[number] = nil
                if followers[key]?.isEmpty == true { followers[key] = nil }
            }
        }
        return stream
    }

    /// Calls `observer` on the feed's thread with each change, from now on; it must be quick.
    public func observeChanges(_ observer: @escaping @Sendable (Change) -> Void) {
        changeObservers.withLock { $0.append(observer) }
    }

    var followerCount: Int { followers.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    func start() {
        lane.start(serve: { [self] connection in
            let channel = try connection.openChannel()
            let queue = try channel.declareQueue("", durable: false, exclusive: true, autoDelete: true,
                                                 arguments: ["x-queue-type": .string("classic")]).name
            try channel.bindQueue(queue, exchange: Topology.eventsExchange, routingKey: "flight.#")
            for type in Self.seatCountChanges {
                try channel.bindQueue(queue, exchange: Topology.eventsExchange, routingKey: "\(type.name).*")
            }
            try channel.consume(queue: queue, noAck: true)
            // Whatever happened while the queue was not bound was missed.
            notify(.schedule)
            bound.store(true, ordering: .relaxed)
            while !lane.stop.isRequested {
                if let delivery = try connection.nextDelivery(timeout: 0.25) { dispatch(delivery) }
            }
            withExtendedLifetime(channel) {}
        }, disconnected: { [self] in
            bound.store(false, ordering: .relaxed)
        })
    }

    func shutdown() {
        lane.shutdown()
        let all = followers.withLock { followers in
            defer { followers = [:] }
            return followers.values.flatMap(\.values)
        }
        for continuation in all { continuation.finish() }
    }

    private func dispatch(_ delivery: AMQPDelivery) {
        if delivery.routingKey.hasPrefix("seats.") {
            // A seat event that names no flight could be about any.
            notify(Self.flightId(in: delivery.body).map { .seats(flightId: $0) } ?? .schedule)
            return
        }
        notify(.schedule)
        // Every flight event reaches every ingress; most have no follower to parse it for.
        guard followerCount > 0, let document = try? JSONSerialization.jsonObject(with: delivery.body) as? [String: Any],
              let subject = (document["subject"] as? String)?.lowercased(),
              let payload = document["data"],
              let data = try? JSONSerialization.data(withJSONObject: payload, options: [.withoutEscapingSlashes]) else { return }
        let update = Update(type: delivery.properties.type ?? (document["type"] as? String ?? "flight.event"),
                            id: delivery.properties.messageId ?? (document["id"] as? String ?? ""), data: data)
        let targets = followers.withLock { $0[subject].map { Array($0.values) } ?? [] }
        for continuation in targets { continuation.yield(update) }
    }

    private func notify(_ change: Change) {
        for observer in changeObservers.withLock({ $0 }) { observer(change) }
    }

    private struct SeatEventEnvelope: Decodable {
        struct Data: Decodable { var flightId: UUID? }
        var data: Data
    }

    private static func flightId(in body: Data) -> UUID? {
        (try? JSONDecoder().decode(SeatEventEnvelope.self, from: body))?.data.flightId
    }
}
