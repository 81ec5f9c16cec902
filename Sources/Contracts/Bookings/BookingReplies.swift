import Fleet
import Foundation

// Answers to commands that did not start or change a booking, for the caller waiting on
// reply_to (the ingress maps them to HTTP statuses).

/// Where a booking is in its saga.
extension BookingState {
    /// Confirmed is final for the saga but can still be cancelled.
    public var isFinal: Bool { [.confirmed, .failed, .expired, .cancelled].contains(self) }
}
