import Contracts
import Fleet
import Foundation

/// subscription.created/deleted: who follows which flight, and at which address.
enum SubscriptionHandlers {
    static func created(_ envelope: Envelope<SubscriptionCreated>, _ context: HandlerContext) throws {
        let event = envelope.data
        try context.database.execute(
            """
            INSERT INTO subscriptions (subscription_id, customer_id, flight_id, email, active) VALUES ($1, $2, $3, $4, true)
            ON CONFLICT (subscription_id) DO UPDATE SET email = $4, active = true
            """, event.subscriptionId, event.customerId, event.flightId, event.email)
    }

    static func deleted(_ envelope: Envelope<SubscriptionDeleted>, _ context: HandlerContext) throws {
        try context.database.execute("UPDATE subscriptions SET active = false WHERE subscription_id = $1", envelope.data.subscriptionId)
    }
}
