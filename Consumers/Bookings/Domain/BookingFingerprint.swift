import Contracts
import Crypto
import Foundation

/// The identity of a booking request for idempotency: everything the customer asked for, not
/// the bookingId the ingress made up for this attempt. Two requests with the same fingerprint
/// are the same request; the token is part of it but only its hash is kept.
public enum BookingFingerprint {
    public static func of(_ command: CreateBooking) throws -> String {
        var request = command
        request.bookingId = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        request.contactEmail = CustomerRules.normalizedEmail(request.contactEmail)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return SHA256.hash(data: try encoder.encode(request)).map { String(format: "%02x", $0) }.joined()
    }
}
