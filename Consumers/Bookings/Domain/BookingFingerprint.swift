import Contracts
import Crypto
import Foundation
import Fleet

/// The identity of a booking request for idempotency: everything the customer asked for, not
/// the bookingId the ingress made up for this attempt. Two requests with the same fingerprint
/// are the same request; the token is part of it but only its hash is kept.
public enum BookingFingerprint {
    public static func of(_ command: CreateBooking) throws -> String {
        var request = command
        request.bookingId = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        request.contactEmail = CustomerRules.normalizedEmail(request.contactEmail)
        return SHA256.hash(data: try encoder.encode(request)).lowercaseHex
    }

    /// Stored fingerprints are compared with new ones: the JSON they hash must stay as it is.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
