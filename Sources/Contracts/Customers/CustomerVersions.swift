import Fleet

// The customers context's messages before v2, which added the phone number and the notification
// preferences: a publisher may still send v1 and a follower may still find v1 events on its
// queue, so each v2 reads its v1 as what it meant then.

extension RegisterCustomer {
    /// A v1 registration is one without a phone number or preferences: email for everything.
    public static var upcasters: [Upcaster<RegisterCustomer>] {
        [Upcaster(from: RegisterCustomerV1.self) { old in
            RegisterCustomer(customerId: old.customerId, email: old.email, passwordHash: old.passwordHash, name: old.name, role: old.role)
        }]
    }
}

extension UpdateCustomer {
    /// A v1 update leaves the phone number and the preferences as they are.
    public static var upcasters: [Upcaster<UpdateCustomer>] {
        [Upcaster(from: UpdateCustomerV1.self) { old in
            UpdateCustomer(customerId: old.customerId, name: old.name, passengers: old.passengers)
        }]
    }
}

extension CustomerRegistered {
    /// A customer registered before v2 has no phone number and hears everything by email.
    public static var upcasters: [Upcaster<CustomerRegistered>] {
        [Upcaster(from: CustomerRegisteredV1.self) { old in
            CustomerRegistered(customerId: old.customerId, email: old.email, name: old.name, roles: old.roles,
                               notificationPreferences: .emailOnly, registeredAt: old.registeredAt)
        }]
    }
}

extension CustomerUpdated {
    /// A profile told in v1 had no phone number and email for everything.
    public static var upcasters: [Upcaster<CustomerUpdated>] {
        [Upcaster(from: CustomerUpdatedV1.self) { old in
            CustomerUpdated(customerId: old.customerId, name: old.name, passengers: old.passengers,
                            notificationPreferences: .emailOnly, updatedAt: old.updatedAt)
        }]
    }
}

extension CustomerProfileV1 {
    /// The v1 answer to `customer.get.v1`: the profile without what v2 added.
    public init(_ profile: CustomerProfile) {
        self.init(customerId: profile.customerId, email: profile.email, name: profile.name, roles: profile.roles,
                  passengers: profile.passengers, createdAt: profile.createdAt, updatedAt: profile.updatedAt)
    }
}
