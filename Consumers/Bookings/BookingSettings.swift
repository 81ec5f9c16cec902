import Foundation

/// How long the saga waits, and what cancelling costs.
public struct BookingSettings: Sendable {
    /// How long flights holds the seats while the payment runs (`AIRFLEET_BOOKING_HOLD_TIME`).
    public var holdTime: Duration
    /// How long the saga waits for an answer to one step before giving up on it
    /// (`AIRFLEET_BOOKING_STEP_TIMEOUT`); waiting for the payment, it counts from the hold's expiry.
    public var stepTimeout: Duration
    /// How often each process looks for bookings whose step timed out (`AIRFLEET_BOOKING_TIMEOUT_SWEEP_INTERVAL`).
    public var timeoutSweepInterval: Duration
    public var refundPolicy: RefundPolicy

    public init(holdTime: Duration = .seconds(600), stepTimeout: Duration = .seconds(120),
                timeoutSweepInterval: Duration = .seconds(1), refundPolicy: RefundPolicy = .standard) {
        self.holdTime = holdTime
        self.stepTimeout = stepTimeout
        self.timeoutSweepInterval = timeoutSweepInterval
        self.refundPolicy = refundPolicy
    }

    /// Whole seconds, as `seats.hold.v1` takes them (1 to 3600).
    var holdSeconds: Int { min(3600, max(1, Int(holdTime.components.seconds))) }
    var stepTimeoutInterval: TimeInterval {
        TimeInterval(stepTimeout.components.seconds) + TimeInterval(stepTimeout.components.attoseconds) / 1e18
    }
}
