import Contracts

/// The sandbox's test tokens, like a real provider's test cards (see Consumers/Payments/README.md).
/// Pure: what a token does is decided by its name alone.
public struct SandboxCard: Sendable, Equatable {
    public enum Behaviour: Sendable, Equatable {
        case approve
        case decline(PaymentDeclined.Reason)
        /// The first `times` calls with one idempotency key fail with "503 service unavailable".
        case failTransiently(times: Int)
        /// The first `times` calls with one idempotency key time out after the provider has taken
        /// the charge (the answer is lost on the way back).
        case timeOut(times: Int)
        /// Every call fails: the provider is down for this card.
        case unavailable
    }

    public let behaviour: Behaviour
    public let last4: String?

    public static let maximumRepeats = 20

    public static func parse(_ token: String) -> SandboxCard {
        switch token {
        case "tok_visa": return SandboxCard(behaviour: .approve, last4: "4242")
        case "tok_mastercard": return SandboxCard(behaviour: .approve, last4: "4444")
        case "tok_amex": return SandboxCard(behaviour: .approve, last4: "8431")
        case "tok_declined": return SandboxCard(behaviour: .decline(.cardDeclined), last4: "0002")
        case "tok_insufficient_funds": return SandboxCard(behaviour: .decline(.insufficientFunds), last4: "9995")
        case "tok_unavailable": return SandboxCard(behaviour: .unavailable, last4: "0119")
        default: break
        }
        if let times = repeats(token, prefix: "tok_fail_") {
            return SandboxCard(behaviour: .failTransiently(times: times), last4: "3220")
        }
        if let times = repeats(token, prefix: "tok_timeout_") {
            return SandboxCard(behaviour: .timeOut(times: times), last4: "1976")
        }
        return SandboxCard(behaviour: .decline(.invalidToken), last4: nil)
    }

    /// A masked reference to keep instead of the token: its prefix, and the last four characters
    /// of a long one (a short test token would be given away whole by them).
    public static func reference(of token: String) -> String {
        let prefix = token.split(separator: "_", maxSplits: 1).first.map(String.init) ?? ""
        return "\(prefix.prefix(8))_…\(token.count >= 16 ? String(token.suffix(4)) : "")"
    }

    private static func repeats(_ token: String, prefix: String) -> Int? {
        guard token.hasPrefix(prefix), let times = Int(token.dropFirst(prefix.count)),
              (1...maximumRepeats).contains(times) else { return nil }
        return times
    }
}
