import Contracts
import Fleet
import Foundation
import NIOCore
import Synchronization

/// Flight search answers, shared by the requests that ask the same search at about the same
/// time, and kept until a flight event could change them or `freshness` has passed.
///
/// A search is the most frequent request and its answer changes only when a flight or its seats
/// do. Kept answers spare the flights context and the broker a query round trip each; identical
/// searches in flight at once share one query. An answer is dropped when the flight feed reports
/// a change to a flight it lists (seats held, released or sold) or to the schedule, and is not
/// kept while the feed is disconnected, so it can be older than the flights' state only by the
/// time an event takes to arrive, and never by more than `freshness`. Seats shown are advisory
/// either way: holding them is what decides.
final class SearchAnswers: Sendable {
    /// A search answer as the response body, with the flights it lists.
    struct Answer: Sendable {
        let body: ByteBuffer
        let flights: Set<UUID>
    }

    private struct Kept {
        let answer: Answer
        let fetched: ContinuousClock.Instant
    }

    private struct State {
        var kept: [SearchFlights: Kept] = [:]
        /// The kept searches that list a flight (possibly some no longer kept).
        var byFlight: [UUID: Set<SearchFlights>] = [:]
        var asking: [SearchFlights: Task<Answer, any Error>] = [:]
        /// Numbers the changes, so an answer asked for before a change that concerns it is not
        /// kept after it.
        var generation: UInt64 = 0
        var recent: [(generation: UInt64, change: FlightUpdateFeed.Change)] = []

        /// Whether a change after `generation` could have made `answer` wrong.
        func changed(_ answer: Answer, since generation: UInt64) -> Bool {
            guard generation < self.generation else { return false }
            // Changes older than the log reaches are unknown: assume the worst.
            guard let oldest = recent.first, oldest.generation <= generation + 1 else { return true }
            return recent.contains { entry in
                guard entry.generation > generation else { return false }
                switch entry.change {
                case .schedule: return true
                case .seats(let flightId): return answer.flights.contains(flightId)
                }
            }
        }

        mutating func keep(_ search: SearchFlights, _ answer: Answer, fetched: ContinuousClock.Instant) {
            if kept.count >= SearchAnswers.capacity { forgetAll() }
            kept[search] = Kept(answer: answer, fetched: fetched)
            for flight in answer.flights { byFlight[flight, default: []].insert(search) }
        }

        mutating func forgetAll() {
            kept.removeAll(keepingCapacity: true)
            byFlight.removeAll(keepingCapacity: true)
        }
    }

    private enum Lookup {
        case kept(Answer)
        /// Another request asks the same search: share its answer.
        case joining(Task<Answer, any Error>)
        /// This request asks; the answer is kept unless a change since `since` concerns it.
        case asking(Task<Answer, any Error>, since: UInt64)
    }

    /// Beyond this many kept answers the oldest are not worth their memory: all are dropped.
    static let capacity = 10_000
    /// Changes remembered for the asks in flight; an ask that outlives this many is not kept.
    static let changeLog = 512

    private let state = Mutex(State())
    private let freshness: Duration
    private let feedIsListening: @Sendable () -> Bool

    init(freshness: Duration, feed: FlightUpdateFeed) {
        self.freshness = freshness
        feedIsListening = { feed.isListening }
        feed.observeChanges { [weak self] change in self?.apply(change) }
    }

    /// The answer to `search`: kept, joined, or asked for with `ask`. `refresh` (a client's
    /// `Cache-Control: no-cache`) always asks anew.
    func answer(_ search: SearchFlights, refresh: Bool,
                ask: @escaping @Sendable () async throws -> SearchFlights.Response) async throws -> Answer {
        guard freshness > .zero, feedIsListening() else { return try Self.encode(try await ask()) }
        let now = ContinuousClock.now
        let lookup: Lookup = state.withLock { state in
            if !refresh, let kept = state.kept[search], now - kept.fetched < freshness { return .kept(kept.answer) }
            if !refresh, let asking = state.asking[search] { return .joining(asking) }
            let task = Task { try Self.encode(try await ask()) }
            state.asking[search] = task
            return .asking(task, since: state.generation)
        }
        switch lookup {
        case .kept(let answer):
            return answer
        case .joining(let task):
            return try await task.value
        case .asking(let task, let generation):
            let result = await task.result
            state.withLock { state in
                if state.asking[search] == task { state.asking[search] = nil }
                guard case .success(let answer) = result, !state.changed(answer, since: generation) else { return }
                state.keep(search, answer, fetched: now)
            }
            return try result.get()
        }
    }

    private func apply(_ change: FlightUpdateFeed.Change) {
        state.withLock { state in
            state.generation &+= 1
            state.recent.append((state.generation, change))
            if state.recent.count > Self.changeLog { state.recent.removeFirst(state.recent.count - Self.changeLog) }
            switch change {
            case .schedule:
                state.forgetAll()
            case .seats(let flightId):
                for search in state.byFlight.removeValue(forKey: flightId) ?? [] { state.kept[search] = nil }
            }
        }
    }

    private static func encode(_ response: SearchFlights.Response) throws -> Answer {
        Answer(body: ByteBuffer(bytes: try FleetJSON.standardEncoder.encode(response)), flights: Set(response.flights.map(\.flightId)))
    }
}
