import Fleet

/// Every message of the catalogue by its wire type, so tools can read a message's data as the
/// Swift contract of that type and version would, whoever wrote it.
public enum MessageTypes {
    public static let all: [any Message.Type] = [
        // customers
        RegisterCustomer.self, UpdateCustomer.self, CreateSubscription.self, DeleteSubscription.self,
        CustomerRegistered.self, CustomerRegistrationRejected.self, CustomerUpdated.self,
        SubscriptionCreated.self, SubscriptionDeleted.self,
        CustomerLogin.self, GetCustomer.self, ListSubscriptions.self,
        // flights
        ScheduleFlight.self, UpdateFlight.self, DelayFlight.self, ChangeGate.self, CancelFlight.self,
        FlightScheduled.self, FlightUpdated.self, FlightDelayed.self, FlightGateChanged.self, FlightCancelled.self,
        SearchFlights.self, GetFlight.self, GetSeatMap.self, ListAirports.self,
        HoldSeats.self, ReleaseSeats.self, ConfirmSeats.self,
        SeatsHeld.self, SeatsHoldRejected.self, SeatsReleased.self, SeatsConfirmed.self, SeatsConfirmRejected.self,
        SeatsHoldExpired.self,
        // bookings
        CreateBooking.self, CancelBooking.self,
        BookingRequested.self, BookingConfirmed.self, BookingFailed.self, BookingExpired.self, BookingCancelled.self,
        BookingDeduplicated.self, BookingRejected.self, BookingCancelRejected.self,
        GetBooking.self, ListBookings.self, CheckBookingRequest.self,
        // payments
        ChargePayment.self, RefundPayment.self,
        PaymentCaptured.self, PaymentDeclined.self, PaymentFailed.self, PaymentRefunded.self, PaymentRefundFailed.self,
        GetPayment.self,
        // notifications
        NotificationSent.self, NotificationFailed.self, ListNotifications.self,
    ]

    /// The type whose wire name (`booking.create.v1`) is given.
    public static func named(_ name: String) -> (any Message.Type)? {
        all.first { $0.messageType.description == name }
    }

    /// Wire names that share the first part of `name`, to suggest when a name is not known.
    public static func suggestions(for name: String) -> [String] {
        let noun = name.split(separator: ".").first.map(String.init) ?? name
        return all.map { $0.messageType.description }.filter { $0.hasPrefix(noun) }.sorted()
    }
}
