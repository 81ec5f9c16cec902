import Contracts
import Crypto
import Fleet
import Foundation
import Synchronization

/// Idempotency-Key checks for booking requests, as the IETF httpapi Idempotency-Key draft asks:
/// a key reused with another body is refused (422), and so is one whose first request, with
/// another body, is still being processed (409), whether or not the client waits.
///
/// For a client that does not wait, the bookings context, which keeps every booking with its
/// key and a fingerprint of its request, is asked first. A client that waits gets the context's
/// answer to the command itself (`booking.rejected.v1`), turned into the same 422, which spares
/// every waiting booking a round trip. A request published moments ago may not have reached the
/// context yet, so this ingress also remembers for `inFlightWindow` the requests it published
/// under each key. When the bookings context cannot answer in time, the request goes ahead
/// unchecked: the context still refuses a reused key when the command arrives, so availability
/// is not traded for the early answer.
final class IdempotencyKeys: Sendable {
    static let inFlightWindow = Duration.seconds(60)
    /// Beyond this many remembered requests the expired ones are dropped, then the oldest.
    static let capacity = 50_000

    private struct Published {
        let digest: SHA256Digest
        let at: ContinuousClock.Instant
    }

    private let gateway: BrokerGateway
    private let timeout: Duration
    private let published = Mutex<[UUID: Published]>([:])

    init(gateway: BrokerGateway, timeout: Duration) {
        self.gateway = gateway
        self.timeout = timeout
    }

    /// Throws 422 when `booking` reuses its key with another body that the bookings context
    /// knows; answers whether it is a retry of a booking that exists (the same body).
    func isRetry(_ booking: CreateBooking, key: String, correlationId: String) async throws -> Bool {
        let answer: CheckBookingRequest.Response
        do {
            answer = try await gateway.ask(CheckBookingRequest(request: booking), correlationId: correlationId, timeout: timeout)
        } catch {
            return false
        }
        switch answer.verdict {
        case .conflict: throw Self.reused(key, by: answer.bookingId)
        case .same: return true
        case .new: return false
        }
    }

    /// The 422 of a key used before, for `existing`, with another request.
    static func reused(_ key: String, by existing: UUID?) -> Problem {
        let booking = existing.map { " for booking \($0.lowercasedString)" } ?? ""
        return Problem.idempotencyKeyReused("Idempotency-Key \(key) was used before\(booking) with another request; "
            + "use a new key for a new booking")
    }

    /// Remembers `booking` as published under its key; throws 409 when this ingress published
    /// another body under it moments ago.
    func remember(_ booking: CreateBooking, key: String) throws {
        let digest = SHA256.hash(data: try Self.encoder.encode(booking))
        let now = ContinuousClock.now
        let inUse: Bool = published.withLock { published in
            if let earlier = published[booking.bookingId], now - earlier.at < Self.inFlightWindow, earlier.digest != digest {
                return true
            }
            if published.count >= Self.capacity { Self.prune(&published, now: now) }
            published[booking.bookingId] = Published(digest: digest, at: now)
            return false
        }
        if inUse {
            throw Problem.idempotencyKeyInUse("a request with Idempotency-Key \(key) and another body is still being processed; "
                + "try again once it is done")
        }
    }

    private static func prune(_ published: inout [UUID: Published], now: ContinuousClock.Instant) {
        published = published.filter { now - $0.value.at < inFlightWindow }
        if published.count >= capacity {
            let oldest = published.sorted { $0.value.at < $1.value.at }.prefix(published.count - capacity / 2)
            for (bookingId, _) in oldest { published[bookingId] = nil }
        }
    }

    /// One for every request: the digest only has to be stable within this process.
    private static let encoder: JSONEncoder = {
        let encoder = FleetJSON.encoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
