import Contracts
import Fleet
import Foundation
import Postgres

/// `device.register.v1` → `device.registered.v1`; `device.unregister.v1` → `device.unregistered.v1`
/// when the customer had the device.
enum DeviceHandlers {
    static func register(_ envelope: Envelope<RegisterDevice>, _ context: HandlerContext) throws {
        let command = envelope.data
        // The customer's row, locked, so that two registrations of one customer count in turn.
        guard try context.database.query("SELECT 1 FROM customers WHERE customer_id = $1 FOR UPDATE", command.customerId).first != nil else {
            throw HandlerError.transient("customer \(command.customerId.text) is not registered (yet)")
        }
        let others = try context.database.query(
            "SELECT count(*) FROM devices WHERE customer_id = $1 AND device_id <> $2", command.customerId, command.deviceId
        ).first?.decode(Int.self, at: 0) ?? 0
        guard others < RegisterDevice.maximumPerCustomer else {
            throw HandlerError.permanent("customer \(command.customerId.text) has \(others) devices already, the most there may be; unregister one first")
        }
        try context.database.execute(
            """
            INSERT INTO devices (customer_id, device_id, token, platform, registered_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (customer_id, device_id) DO UPDATE SET token = $3, platform = $4, registered_at = $5
            """, command.customerId, command.deviceId, command.token, command.platform.rawValue, context.now)
        try context.emit(DeviceRegistered(customerId: command.customerId, deviceId: command.deviceId, token: command.token,
                                          platform: command.platform, registeredAt: context.now),
                         subject: RegisterCustomerHandler.subject(command.customerId))
        context.logger.info("device registered", metadata: [
            "customer_id": "\(command.customerId.text)", "device_id": "\(command.deviceId.text)", "platform": "\(command.platform.rawValue)"])
    }

    static func unregister(_ envelope: Envelope<UnregisterDevice>, _ context: HandlerContext) throws {
        let command = envelope.data
        let removed = try context.database.query(
            "DELETE FROM devices WHERE customer_id = $1 AND device_id = $2 RETURNING device_id", command.customerId, command.deviceId)
        guard removed.first != nil else { return }
        try context.emit(DeviceUnregistered(customerId: command.customerId, deviceId: command.deviceId),
                         subject: RegisterCustomerHandler.subject(command.customerId))
    }
}

/// `device.list.v1`.
enum ListDevicesAnswer {
    static func answer(_ envelope: Envelope<ListDevices>, _ context: QueryContext) throws -> DeviceList {
        let customerId = envelope.data.customerId
        let rows = try context.database.query(
            "SELECT device_id, platform, registered_at FROM devices WHERE customer_id = $1 ORDER BY registered_at, device_id", customerId)
        return DeviceList(customerId: customerId, devices: try rows.map { row in
            DeviceList.Entry(deviceId: try row.decode(UUID.self, column: "device_id"),
                             platform: try row.decode(DevicePlatform.self, column: "platform"),
                             registeredAt: try row.decode(Date.self, column: "registered_at"))
        })
    }
}
