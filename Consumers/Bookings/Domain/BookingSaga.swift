import Contracts
import Foundation

/// What happened to a booking, as the saga sees it: the answers of flights and payments, the
/// customer's requests, and its own clock.
public enum SagaInput: Equatable, Sendable {
    case seatsHeld
    /// With the seats at fault, when the refusal names some.
    case holdRejected(SeatsHoldRejected.Reason, seats: [String]? = nil)
    case holdExpired
    case paymentCaptured(amount: Int)
    case paymentDeclined(PaymentDeclined.Reason)
    case paymentFailed
    case seatsConfirmed
    case confirmRejected(SeatsConfirmRejected.Reason)
    /// A customer or agent cancels; `refund` is what the policy gives back of a confirmed booking.
    case cancel(BookingActor, refund: Int)
    case flightCancelled
    /// A step got no answer in time.
    case timedOut
}

/// What the saga asks of the other contexts.
public enum SagaCommand: Equatable, Sendable {
    case chargePayment
    case confirmSeats
    case releaseSeats(includeSold: Bool)
    case refund(amount: Int)
}

/// The saga's decision: the next state (nil to stay), why, and the commands to send.
public struct SagaStep: Equatable, Sendable {
    public var next: BookingState?
    public var failure: BookingFailureReason?
    public var detail: String?
    public var cancellation: BookingCancellationReason?
    public var commands: [SagaCommand]
    /// A captured amount to remember (the payment succeeded, maybe too late).
    public var capture: Int?
    /// Set when a cancellation changes nothing.
    public var cancelRejection: BookingCancelRejected.Reason?
    /// Why nothing changed, for the log.
    public var ignored: String?

    init(next: BookingState? = nil, failure: BookingFailureReason? = nil, detail: String? = nil,
         cancellation: BookingCancellationReason? = nil, commands: [SagaCommand] = [], capture: Int? = nil,
         cancelRejection: BookingCancelRejected.Reason? = nil, ignored: String? = nil) {
        self.next = next
        self.failure = failure
        self.detail = detail
        self.cancellation = cancellation
        self.commands = commands
        self.capture = capture
        self.cancelRejection = cancelRejection
        self.ignored = ignored
    }

    static func ignore(_ why: String) -> SagaStep { SagaStep(ignored: why) }
    static func fail(_ reason: BookingFailureReason, _ detail: String? = nil, _ commands: [SagaCommand] = []) -> SagaStep {
        SagaStep(next: .failed, failure: reason, detail: detail, commands: commands)
    }
}

/// The booking saga as a pure function: requested → seats-held → paid → confirmed, or failed,
/// expired or cancelled, with the compensation each way out needs. Every late or repeated
/// answer is decided here deliberately; the handlers only apply the step under the booking's
/// row lock.
public enum BookingSaga {
    /// - Parameters:
    ///   - state: the booking's state now.
    ///   - captured: what payments captured for it so far (nil: nothing).
    public static func step(from state: BookingState, captured: Int?, on input: SagaInput) -> SagaStep {
        let release = SagaCommand.releaseSeats(includeSold: false)
        let releaseAll = SagaCommand.releaseSeats(includeSold: true)
        let refundAll: [SagaCommand] = captured.map { [.refund(amount: $0)] } ?? []

        switch (state, input) {
        // Waiting for flights to hold the seats.
        case (.requested, .seatsHeld):
            return SagaStep(next: .seatsHeld, commands: [.chargePayment])
        case (.requested, .holdRejected(let reason, let seats)):
            // The seats at fault say more than the reason repeated; otherwise the hold's own reason
            // tells a departed flight from a cancelled one, both `flight-unavailable`.
            return .fail(failureReason(reason), seats.map { $0.joined(separator: ",") } ?? reason.rawValue)
        case (.requested, .holdExpired):
            return SagaStep(next: .expired)
        case (.requested, .timedOut):
            // The hold may exist without our knowing: release it (flights remembers a release that
            // overtakes its hold and refuses the hold).
            return .fail(.timedOut, "no answer from flights", [release])

        // Seats held, waiting for the payment.
        case (.seatsHeld, .paymentCaptured(let amount)):
            return SagaStep(next: .paid, commands: [.confirmSeats], capture: amount)
        case (.seatsHeld, .paymentDeclined(let reason)):
            return .fail(.paymentDeclined, reason.rawValue, [release])
        case (.seatsHeld, .paymentFailed):
            return .fail(.paymentUnavailable, nil, [release])
        case (.seatsHeld, .holdExpired):
            // The payment may still succeed; it is refunded when it does.
            return SagaStep(next: .expired)
        case (.seatsHeld, .timedOut):
            return SagaStep(next: .expired, commands: [release])

        // Paid, waiting for flights to sell the seats.
        case (.paid, .seatsConfirmed):
            return SagaStep(next: .confirmed)
        case (.paid, .confirmRejected(.holdExpired)), (.paid, .holdExpired):
            return SagaStep(next: .expired, commands: refundAll + [release])
        case (.paid, .confirmRejected(let reason)):
            return .fail(.seatConfirmationFailed, reason.rawValue, refundAll + [release])
        case (.paid, .timedOut):
            return .fail(.timedOut, "no answer from flights", refundAll + [releaseAll])

        // Cancellations, from any state that is not over yet.
        case (.requested, .cancel(let actor, _)), (.seatsHeld, .cancel(let actor, _)), (.paid, .cancel(let actor, _)):
            // Not confirmed yet: whatever was charged goes back in full.
            return SagaStep(next: .cancelled, cancellation: cancellationReason(actor), commands: refundAll + [releaseAll])
        case (.confirmed, .cancel(let actor, let refund)):
            let amount = min(refund, captured ?? 0)
            return SagaStep(next: .cancelled, cancellation: cancellationReason(actor),
                            commands: (amount > 0 ? [.refund(amount: amount)] : []) + [releaseAll])
        case (.requested, .flightCancelled), (.seatsHeld, .flightCancelled), (.paid, .flightCancelled),
             (.confirmed, .flightCancelled):
            return SagaStep(next: .cancelled, cancellation: .flightCancelled, commands: refundAll + [releaseAll])
        case (.cancelled, .cancel):
            return SagaStep(cancelRejection: .alreadyCancelled, ignored: "already cancelled")
        case (.failed, .cancel), (.expired, .cancel):
            return SagaStep(cancelRejection: .notCancellable, ignored: "\(state.rawValue) bookings cannot be cancelled")

        // Answers that come after the saga moved on: compensate, never overwrite.
        case (.failed, .seatsHeld), (.expired, .seatsHeld), (.cancelled, .seatsHeld):
            return SagaStep(commands: [releaseAll], ignored: "seats held after the booking ended; released")
        case (.failed, .paymentCaptured(let amount)), (.expired, .paymentCaptured(let amount)),
             (.cancelled, .paymentCaptured(let amount)):
            guard captured == nil else { return .ignore("payment captured again") }
            return SagaStep(commands: [.refund(amount: amount)], capture: amount, ignored: "late payment; refunded")
        default:
            return .ignore("\(input) does not apply to a \(state.rawValue) booking")
        }
    }

    static func failureReason(_ reason: SeatsHoldRejected.Reason) -> BookingFailureReason {
        switch reason {
        case .soldOut: .soldOut
        case .seatTaken: .seatTaken
        case .cabinUnknown: .cabinUnknown
        case .seatNotInCabin: .seatNotInCabin
        case .seatUnknown: .seatUnknown
        case .flightNotFound, .flightCancelled, .flightDeparted: .flightUnavailable
        case .holdReleased: .timedOut
        }
    }

    static func cancellationReason(_ actor: BookingActor) -> BookingCancellationReason {
        actor == .customer ? .customerRequest : .agentRequest
    }
}
