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

/// Locks and loads the bookings of a batch's saga messages in one statement, where each handler
/// would read its own in a round trip (`ContextDefinition.withReadAhead`).
///
/// Only for a batch of saga messages and new bookings: any other message (a refund recorded, a
/// flight cancelled) may change bookings without taking them from the read-ahead, which would
/// then hand a later batch-mate a booking older than the database's.
enum SagaReadAhead {
    static func load(_ db: PostgresConnection, _ batch: [ContextDefinition.BatchMessage], into readAhead: BatchReadAhead) throws {
        var bookingIds: Set<UUID> = []
        for message in batch {
            if let sagaMessage = message.data(as: (any SagaMessage).self) {
                bookingIds.insert(sagaMessage.bookingId)
            } else if message.data(as: CreateBooking.self) == nil {
                return
            }
        }
        // One booking costs the same round trip either way.
        guard bookingIds.count > 1 else { return }
        for booking in try BookingStore.lockAll(db, Array(bookingIds)) {
            readAhead.put(booking, for: booking.bookingId)
        }
    }
}
