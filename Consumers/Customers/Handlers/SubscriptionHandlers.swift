import Contracts
import Fleet
import Foundation
import Postgres

/// `subscription.create.v1` → `subscription.created.v1`, once per (customer, flight).
enum CreateSubscriptionHandler {
    static func handle(_ envelope: Envelope<CreateSubscription>, _ context: HandlerContext) throws {
        let command = envelope.data
        // FOR KEY SHARE: the customer cannot vanish under the new row, and registrations and
        // profile updates are not blocked by it.
        guard let customer = try context.database.query(
            "SELECT email FROM customers WHERE customer_id = $1 FOR KEY SHARE", command.customerId).first
        else {
            throw HandlerError.transient("customer \(command.customerId.text) is not registered (yet)")
        }
        let email = try customer.decode(String.self, column: "email")
        let subject = RegisterCustomerHandler.subject(command.customerId)

        let inserted = try context.database.query("""
            INSERT INTO subscriptions (subscription_id, customer_id, flight_id, created_at)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT DO NOTHING
            RETURNING created_at
            """, command.subscriptionId, command.customerId, command.flightId, context.now)
        if let row = inserted.first {
            try context.emit(SubscriptionCreated(subscriptionId: command.subscriptionId, customerId: command.customerId,
                                                 flightId: command.flightId, email: email,
                                                 createdAt: try row.decode(Date.self, column: "created_at")), subject: subject)
            context.logger.info("subscribed to flight", metadata: [
                "customer_id": "\(command.customerId.text)", "flight_id": "\(command.flightId.text)"])
            return
        }
        // Already subscribed: the first subscription stands, and its outcome is told again.
        if let existing = try context.database.query(
            "SELECT subscription_id, created_at FROM subscriptions WHERE customer_id = $1 AND flight_id = $2",
            command.customerId, command.flightId).first
        {
            try context.emit(SubscriptionCreated(subscriptionId: try existing.decode(UUID.self, column: "subscription_id"), customerId: command.customerId,
                                                 flightId: command.flightId, email: email,
                                                 createdAt: try existing.decode(Date.self, column: "created_at")), subject: subject)
            return
        }
        throw HandlerError.permanent("subscriptionId \(command.subscriptionId.text) already names another subscription; choose a new UUID for each subscription")
    }
}

/// `subscription.delete.v1` → `subscription.deleted.v1` when there was a subscription.
enum DeleteSubscriptionHandler {
    static func handle(_ envelope: Envelope<DeleteSubscription>, _ context: HandlerContext) throws {
        let command = envelope.data
        let deleted = try context.database.query(
            "DELETE FROM subscriptions WHERE customer_id = $1 AND flight_id = $2 RETURNING subscription_id",
            command.customerId, command.flightId)
        guard let row = deleted.first else {
            context.logger.debug("no subscription to delete", metadata: [
                "customer_id": "\(command.customerId.text)", "flight_id": "\(command.flightId.text)"])
            return
        }
        try context.emit(SubscriptionDeleted(subscriptionId: try row.decode(UUID.self, column: "subscription_id"), customerId: command.customerId,
                                             flightId: command.flightId),
                         subject: RegisterCustomerHandler.subject(command.customerId))
        context.logger.info("unsubscribed from flight", metadata: [
            "customer_id": "\(command.customerId.text)", "flight_id": "\(command.flightId.text)"])
    }
}
