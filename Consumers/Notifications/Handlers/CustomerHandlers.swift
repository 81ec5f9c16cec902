import Contracts
import Fleet
import Foundation

/// customer.registered/updated (v2, and v1 upcast with email for everything): what each
/// customer chose, kept in `customer_contacts`; device.registered/unregistered: where push
/// notices go, kept in `customer_devices`.
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

    static func deviceRegistered(_ envelope: Envelope<DeviceRegistered>, _ context: HandlerContext) throws {
        let event = envelope.data
        try context.write(
            """
            INSERT INTO customer_devices (customer_id, device_id, token, platform) VALUES ($1, $2, $3, $4)
            ON CONFLICT (customer_id, device_id) DO UPDATE SET token = EXCLUDED.token, platform = EXCLUDED.platform
            """, event.customerId, event.deviceId, event.token, event.platform.rawValue)
    }

    static func deviceUnregistered(_ envelope: Envelope<DeviceUnregistered>, _ context: HandlerContext) throws {
        try context.write("DELETE FROM customer_devices WHERE customer_id = $1 AND device_id = $2",
                          envelope.data.customerId, envelope.data.deviceId)
    }
}
