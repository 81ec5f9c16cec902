import Foundation

/// What a cancellation gives back of what was paid for a confirmed booking:
///
/// - 24 hours or more before departure: everything;
/// - later, until departure: everything but a fixed fee (never below zero);
/// - at or after departure: nothing.
///
/// A flight the airline cancels is refunded in full, whatever the time (`BookingSaga`).
public struct RefundPolicy: Sendable, Equatable {
    public var fullRefundNotice: TimeInterval
    /// Minor units of the booking's currency.
    public var lateCancellationFee: Int

    public static let standard = RefundPolicy(fullRefundNotice: 24 * 3600, lateCancellationFee: 5_000)

    public init(fullRefundNotice: TimeInterval, lateCancellationFee: Int) {
        self.fullRefundNotice = fullRefundNotice
        self.lateCancellationFee = lateCancellationFee
    }

    /// - Parameter departure: nil when unknown, which gives the customer the benefit of the doubt.
    public func refund(paid: Int, departure: Date?, now: Date) -> Int {
        guard let departure else { return paid }
        if now <= departure.addingTimeInterval(-fullRefundNotice) { return paid }
        if now < departure { return max(0, paid - lateCancellationFee) }
        return 0
    }
}
