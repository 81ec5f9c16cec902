import Contracts
import Foundation

/// A payment provider, as Payments needs it: a single charge (authorisation and capture in one
/// call), a refund of part or all of a charge, and the status of a charge by its idempotency key.
///
/// Every call carries an idempotency key: the provider runs a key's first call and answers every
/// later call with the same key with that first result. That is what makes retrying safe after a
/// timeout, a crash or a redelivery: a charge is never made twice.
public protocol PaymentGateway: Sendable {
    func charge(_ request: ChargeRequest) throws(GatewayError) -> ChargeOutcome
    func refund(_ request: RefundRequest) throws(GatewayError) -> RefundOutcome
    func status(idempotencyKey: String) throws(GatewayError) -> ChargeOutcome?
}

public struct ChargeRequest: Sendable, Equatable {
    public var idempotencyKey: String
    public var token: String
    /// Minor units.
    public var amount: Int
    public var currency: String
    public var description: String?

    public init(idempotencyKey: String, token: String, amount: Int, currency: String, description: String? = nil) {
        self.idempotencyKey = idempotencyKey
        self.token = token
        self.amount = amount
        self.currency = currency
        self.description = description
    }
}

public enum ChargeOutcome: Sendable, Equatable {
    /// Captured: `reference` is the provider's id of the charge.
    case captured(reference: String, last4: String)
    case declined(PaymentDeclined.Reason, last4: String?)
}

public struct RefundRequest: Sendable, Equatable {
    public var idempotencyKey: String
    public var chargeReference: String
    public var amount: Int

    public init(idempotencyKey: String, chargeReference: String, amount: Int) {
        self.idempotencyKey = idempotencyKey
        self.chargeReference = chargeReference
        self.amount = amount
    }
}

public enum RefundOutcome: Sendable, Equatable {
    case refunded(reference: String)
    /// The provider refuses: no such charge, or more than is left of it.
    case refused(String)
}

/// The provider could not give an answer. Both cases are worth retrying with the same key; a
/// timeout may hide a call that went through, which the key makes harmless.
public enum GatewayError: Error, Equatable, CustomStringConvertible {
    case unavailable(String)
    case timedOut(after: Duration)

    public var description: String {
        switch self {
        case .unavailable(let why): "payment provider unavailable: \(why)"
        case .timedOut(let after): "payment provider did not answer within \(after)"
        }
    }
}
