import Contracts
import Fleet
import Foundation
import Hummingbird

/// The signed-in customer's push devices.
extension IngressRoutes {
    struct DeviceRequest: Decodable, Sendable {
        var token: String
        var platform: DevicePlatform
        /// The client's own id for the device, so a retry registers one device; a new one when absent.
        var deviceId: UUID?
    }

    func registerDevices(on table: RouteTable) {
        table.add(.get, "/v1/me/devices", access: .signedIn) { _, context in
            try .json(try await ask(ListDevices(customerId: try context.authenticated().customerId), context))
        }

        table.add(.post, "/v1/me/devices", access: .signedIn) { request, context in
            let device = try await body.decode(DeviceRequest.self, from: request, context: context)
            let customerId = try context.authenticated().customerId
            let command = RegisterDevice(customerId: customerId, deviceId: device.deviceId ?? UUID(), token: device.token,
                                         platform: device.platform)
            try command.validate()
            let known = try await ask(ListDevices(customerId: customerId), context).devices
            guard known.count < RegisterDevice.maximumPerCustomer || known.contains(where: { $0.deviceId == command.deviceId }) else {
                throw Problem.unprocessable("at most \(RegisterDevice.maximumPerCustomer) devices; remove one with DELETE /v1/me/devices/{deviceId} first",
                                            field: "token")
            }
            return try await send(command, subject: customerId, statusURL: "/v1/me/devices", request: request, context: context) { message in
                try outcome(message, is: DeviceRegistered.self, status: .created,
                            headers: [.location: "/v1/me/devices"]) ?? unexpectedOutcome(message)
            }
        }

        table.add(.delete, "/v1/me/devices/:deviceId", access: .signedIn) { request, context in
            let deviceId = try uuid("deviceId", context)
            let customerId = try context.authenticated().customerId
            let command = UnregisterDevice(customerId: customerId, deviceId: deviceId)
            return try await send(command, subject: customerId, statusURL: "/v1/me/devices", request: request, context: context) { message in
                try outcome(message, is: DeviceUnregistered.self) ?? unexpectedOutcome(message)
            }
        }
    }
}
