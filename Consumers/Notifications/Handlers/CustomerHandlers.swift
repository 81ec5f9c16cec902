import Contracts
import Fleet
import Foundation

/// customer.registered/updated (v2, and v1 upcast with email for everything): what each
/// customer chose, kept in `customer_contacts`.
enum CustomerHandlers {
    static func registered(_ envelope: Envelope<CustomerRegistered>, _ context: HandlerContext) throws {
        let event = envelope.data
        try ContactBook.save(context, customerId: event.customerId, phone: event.phone,
                             preferences: event.notificationPreferences, asOf: event.registeredAt)
    }

    static func updated(_ envelope: Envelope<CustomerUpdated>, _ context: HandlerContext) throws {
        let event = envelope.data
        try ContactBook.save(context, customerId: event.customerId, phone: event.phone,
                             preferences: event.notificationPreferences, asOf: event.updatedAt)
    }
}
