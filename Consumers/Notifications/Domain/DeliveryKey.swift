import Contracts
import Foundation

/// Names one email: what it is about (a booking or a subscription), its kind and its occurrence.
/// The ledger holds at most one row per key, and the Message-ID derives from it, so the same
/// email sent twice would carry the same Message-ID and be recognisable as a resend.
public struct DeliveryKey: Hashable, Sendable, CustomStringConvertible {
    public enum Subject: Hashable, Sendable {
        case booking(UUID)
        case subscription(UUID)
    }

    public let subject: Subject
    public let kind: NotificationKind
    /// Which happening of the kind: `1` for once-only emails, the new departure for a delay
    /// (a second delay is news again), the new gate for a gate change.
    public let occurrence: String

    public init(_ subject: Subject, _ kind: NotificationKind, occurrence: String = "1") {
        self.subject = subject
        self.kind = kind
        self.occurrence = String(occurrence.unicodeScalars.map {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" ? Character($0) : "_"
        })
    }

    public var description: String {
        switch subject {
        case .booking(let id): "booking:\(id.lowercasedString):\(kind.rawValue):\(occurrence)"
        case .subscription(let id): "subscription:\(id.lowercasedString):\(kind.rawValue):\(occurrence)"
        }
    }

    /// `booking-confirmed.1.b.9a1d…@airfleet.local`, without angle brackets.
    public func messageId(domain: String) -> String {
        switch subject {
        case .booking(let id): "\(kind.rawValue).\(occurrence).b.\(id.lowercasedString)@\(domain)"
        case .subscription(let id): "\(kind.rawValue).\(occurrence).s.\(id.lowercasedString)@\(domain)"
        }
    }

    /// The occurrence of a time: its Unix seconds.
    public static func occurrence(of date: Date) -> String { String(Int64(date.timeIntervalSince1970.rounded())) }
}
