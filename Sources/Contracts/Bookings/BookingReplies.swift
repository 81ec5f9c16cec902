import Fleet
import Foundation

/// Where a booking is in its saga.
extension BookingState {
    /// Confirmed is final for the saga but can still be cancelled.
    public var isFinal: Bool { [.confirmed, .failed, .expired, .cancelled].contains(self) }
}
