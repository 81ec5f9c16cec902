import Contracts

extension NotificationPreferences {
    /// The channels a customer chose for the kind of notice an email is: a booking's outcome is
    /// a confirmation, a reminder a reminder, a flight's news a flight change.
    func channels(for kind: NotificationKind) -> [NotificationChannel] {
        switch kind {
        case .bookingConfirmed, .bookingCancelled, .bookingFailed, .bookingExpired: confirmations
        case .reminder24h, .reminder2h: reminders
        case .flightDelayed, .gateChanged, .flightCancelled: flightChanges
        }
    }
}
