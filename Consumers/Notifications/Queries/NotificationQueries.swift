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
            guard let kind = NotificationKind(rawValue: try row.decode(String.self, column: "kind")),
                  let state = NotificationView.State(rawValue: try row.decode(String.self, column: "state")) else { return nil }
            return NotificationView(
                deliveryKey: try row.decode(String.self, column: "delivery_key"), kind: kind, state: state,
                to: NotificationAddressee(bookingId: try row.decode(UUID?.self, column: "booking_id"), subscriptionId: try row.decode(UUID?.self, column: "subscription_id"),
                                          customerId: try row.decode(UUID?.self, column: "customer_id"), email: try row.decode(String.self, column: "recipient")),
                flightId: try row.decode(UUID?.self, column: "flight_id"), messageId: try row.decode(String.self, column: "message_id"),
                attempts: try row.decode(Int.self, column: "attempts"), error: try row.decode(String?.self, column: "error"),
                createdAt: try row.decode(Date.self, column: "created_at"), updatedAt: try row.decode(Date.self, column: "updated_at"))
        })
    }
}
