import Fleet

// The customers context's push devices: the rules their schemas (Schemas/customers/) cannot express.

extension RegisterDevice {
    /// Devices one customer may have at once.
    public static let maximumPerCustomer = 10

    public func validate() throws {
        try CustomerRules.checkPushToken(token)
    }
}

extension RegisterDevice: CustomStringConvertible, CustomDebugStringConvertible {
    /// Shows only the start of the token, which is a credential of the device's.
    public var description: String {
        "RegisterDevice(customerId: \(customerId), deviceId: \(deviceId), token: \(token.prefix(6))…, platform: \(platform.rawValue))"
    }
    public var debugDescription: String { description }
}

extension CustomerRules {
    /// A push token as the platforms issue them: 1 to 4096 printable ASCII characters, no blanks.
    public static func checkPushToken(_ token: String, field: String = "token") throws {
        guard (1...4096).contains(token.utf8.count), token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw ValidationError(field: field, "must be the push token the device's platform issued: 1 to 4096 printable ASCII characters, no blanks")
        }
    }
}
