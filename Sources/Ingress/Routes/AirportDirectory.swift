import Contracts
import Foundation
import Synchronization

/// The airports the flights context knows, asked once and kept for a few minutes, so a flight
/// naming an unknown airport is refused before anything is published.
final class AirportDirectory: Sendable {
    private let gateway: BrokerGateway
    private let timeout: Duration
    private let cache = Mutex<(codes: Set<String>, fetched: ContinuousClock.Instant)?>(nil)
    static let freshness = Duration.seconds(300)

    init(gateway: BrokerGateway, timeout: Duration) {
        self.gateway = gateway
        self.timeout = timeout
    }

    /// Throws a 422 naming `field` when `code` is well-formed but no airport has it. When the
    /// flights context cannot be asked, the check is left to it.
    func check(_ code: String, field: String, correlationId: String) async throws {
        guard let codes = await codes(correlationId: correlationId) else { return }
        guard codes.contains(code) else {
            throw Problem.unprocessable("\(field): unknown airport \(code); GET /v1/airports lists the known ones", field: field)
        }
    }

    private func codes(correlationId: String) async -> Set<String>? {
        if let cached = cache.withLock({ $0 }), ContinuousClock.now - cached.fetched < Self.freshness { return cached.codes }
        guard let answer = try? await gateway.ask(ListAirports(), correlationId: correlationId, timeout: timeout) else { return nil }
        let codes = Set(answer.airports.map(\.code))
        cache.withLock { $0 = (codes, .now) }
        return codes
    }
}
