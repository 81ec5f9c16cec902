import Contracts
import Fleet
import Foundation
import Postgres

/// A message whose handler reaches its booking only through `BookingStore.loadForUpdate` and
/// changes nothing but that booking through the saga.
protocol SagaMessage {
    var bookingId: UUID { get }
}

extension SeatsHeld: SagaMessage {}
extension SeatsHoldRejected: SagaMessage {}
extension SeatsHoldExpired: SagaMessage {}
extension SeatsConfirmed: SagaMessage {}
extension SeatsConfirmRejected: SagaMessage {}
extension PaymentCaptured: SagaMessage {}
extension PaymentDeclined: SagaMessage {}
extension PaymentFailed: SagaMessage {}
extension CancelBooking: SagaMessage {}

/// What a batch of the bookings context reads ahead (`ContextDefinition.withReadAhead`), in one
/// round trip: the bookings of its saga messages, locked in the order of their ids, and which of
/// its new requests no booking has made yet (by their bookingId or their customer's idempotency
/// key), where each handler would ask in a round trip of its own.
///
/// Only for a batch of saga messages and new requests: any other message (a refund recorded, a
/// flight cancelled) may change bookings without taking them from the read-ahead, which would
/// then hand a later batch-mate a booking older than the database's.
enum BookingsReadAhead {
    enum Key: Hashable {
        case booking(UUID)
        /// True when neither the request's bookingId nor its idempotency key was in use.
        case unseenRequest(UUID)
    }

    static func load(_ db: PostgresConnection, _ batch: [ContextDefinition.BatchMessage], into readAhead: BatchReadAhead) throws {
        var bookingIds: Set<UUID> = [], requests: [CreateBooking] = []
        for message in batch {
            if let sagaMessage = message.data(as: (any SagaMessage).self) {
                bookingIds.insert(sagaMessage.bookingId)
            } else if let request = message.data(as: CreateBooking.self) {
                requests.append(request)
            } else {
                return
            }
        }
        // One row costs the same round trip either way.
        guard bookingIds.count + requests.count > 1 else { return }
        var statements: [PostgresStatement] = []
        if !bookingIds.isEmpty {
            statements.append(PostgresStatement(
                "SELECT \(BookingStore.columns) FROM bookings WHERE booking_id = ANY($1::uuid[]) ORDER BY booking_id FOR UPDATE",
                [Array(bookingIds)]))
        }
        if !requests.isEmpty {
            let keyed = requests.filter { $0.idempotencyKey != nil }
            statements.append(PostgresStatement(
                """
                SELECT booking_id, customer_id, idempotency_key FROM bookings WHERE booking_id = ANY($1::uuid[])
                UNION ALL
                SELECT booking_id, customer_id, idempotency_key FROM bookings
                WHERE (customer_id, idempotency_key) IN (SELECT * FROM unnest($2::uuid[], $3::text[]))
                """, [requests.map(\.bookingId), keyed.map(\.customerId), keyed.map { $0.idempotencyKey! }]))
        }
        var results = try db.pipeline(statements)[...]
        if !bookingIds.isEmpty {
            for row in results.removeFirst() {
                let booking = try BookingStore.record(row)
                readAhead.put(booking, for: Key.booking(booking.bookingId))
            }
        }
        guard let seen = results.first else { return }
        var seenIds: Set<UUID> = [], seenKeys: Set<CustomerKey> = []
        for row in seen {
            seenIds.insert(try row.decode(UUID.self, column: "booking_id"))
            if let key = try row.decode(String?.self, column: "idempotency_key") {
                seenKeys.insert(CustomerKey(customerId: try row.decode(UUID.self, column: "customer_id"), idempotencyKey: key))
            }
        }
        for request in requests {
            let keySeen = request.idempotencyKey.map { seenKeys.contains(CustomerKey(customerId: request.customerId, idempotencyKey: $0)) }
            readAhead.put(!seenIds.contains(request.bookingId) && keySeen != true, for: Key.unseenRequest(request.bookingId))
        }
    }

    private struct CustomerKey: Hashable {
        let customerId: UUID
        let idempotencyKey: String
    }
}
