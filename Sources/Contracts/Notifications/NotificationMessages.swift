import Fleet
import Foundation

/// What a notification is about, beside its kind: a booking's contact or a flight's subscriber.
extension NotificationAddressee {
    func validate() throws {
        guard (bookingId == nil) != (subscriptionId == nil) else {
            throw ValidationError(field: "to.bookingId", "exactly one of bookingId and subscriptionId names what the email is about")
        }
        guard email.contains("@"), email.count <= CustomerRules.maximumEmailLength else {
            throw ValidationError(field: "to.email", "must be a mail address of at most \(CustomerRules.maximumEmailLength) characters")
        }
    }
}

/// An email left for its recipient: the SMTP server accepted it.
extension NotificationSent {
    public func validate() throws {
        try to.validate()
        guard !deliveryKey.isEmpty, deliveryKey.count <= 300 else { throw ValidationError(field: "deliveryKey", "must be 1 to 300 characters") }
    }
}

/// An email that will not be sent: the server refused it for good.
extension NotificationFailed {
    public func validate() throws {
        try to.validate()
        guard !deliveryKey.isEmpty, deliveryKey.count <= 300 else { throw ValidationError(field: "deliveryKey", "must be 1 to 300 characters") }
    }
}

/// The emails of one booking or of one customer (as booking contact and as subscriber), newest first.
extension ListNotifications {
    public func validate() throws {
        guard (bookingId == nil) != (customerId == nil) else {
            throw ValidationError(field: "bookingId", "give exactly one of bookingId and customerId")
        }
    }
}
