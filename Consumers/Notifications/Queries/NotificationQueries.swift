import Contracts
import Fleet
import Foundation
import Postgres

/// notification.list.v1: the ledger's rows for one booking or one customer, newest first.
enum NotificationQueries {
    static func list(_ envelope: Envelope<ListNotifications>, _ context: QueryContext) throws -> ListNotifications.Response {
        let query = envelope.data
        let (column, id) = query.bookingId.map { ("booking_id", $0) } ?? ("customer_id", query.customerId!)
        let rows = try context.database.query(
            """
            SELECT delivery_key, kind, state, booking_id, subscription_id, customer_id, recipient, flight_id, message_id,
                attempts, error, created_at, updated_at
            FROM deliveries WHERE \(column) = $1 ORDER BY created_at DESC, delivery_key LIMIT 500
            """, id)
        return ListNotifications.Response(notifications: try rows.compactMap { row in
            guard let kind = NotificationKind(rawValue: try row.decode(String.self, at: 1)),
                  let state = NotificationView.State(rawValue: try row.decode(String.self, at: 2)) else { return nil }
            return NotificationView(
                deliveryKey: try row.decode(String.self, at: 0), kind: kind, state: state,
                to: NotificationAddressee(bookingId: try row.decode(UUID?.self, at: 3), subscriptionId: try row.decode(UUID?.self, at: 4),
                                          customerId: try row.decode(UUID?.self, at: 5), email: try row.decode(String.self, at: 6)),
                flightId: try row.decode(UUID?.self, at: 7), messageId: try row.decode(String.self, at: 8),
                attempts: try row.decode(Int.self, at: 9), error: try row.decode(String?.self, at: 10),
                createdAt: try row.decode(Date.self, at: 11), updatedAt: try row.decode(Date.self, at: 12))
        })
    }
}
