import Fleet
import Foundation

/// The format rules of booking messages, shared by the context and the ingress, so both refuse
/// a bad field with the same words.
public enum BookingRules {
    public static let maximumPassengers = 9

    public static func passengers(_ passengers: [PassengerDetails], now: Date = Date()) throws {
        guard (1...maximumPassengers).contains(passengers.count) else {
            throw ValidationError(field: "passengers", "must list 1 to \(maximumPassengers) passengers")
        }
        for (index, passenger) in passengers.enumerated() {
            try CustomerRules.checkName(passenger.firstName, field: "passengers[\(index)].firstName")
            try CustomerRules.checkName(passenger.lastName, field: "passengers[\(index)].lastName")
            try CustomerRules.checkDateOfBirth(passenger.dateOfBirth, field: "passengers[\(index)].dateOfBirth", now: now)
            if let seat = passenger.seat, !HoldSeats.isSeatNumber(seat) {
                throw ValidationError(field: "passengers[\(index)].seat", "must be a row and a letter, such as 12A")
            }
        }
        let seats = passengers.compactMap(\.seat)
        if !seats.isEmpty && seats.count != passengers.count {
            let index = passengers.firstIndex { $0.seat == nil }!
            throw ValidationError(field: "passengers[\(index)].seat", "give a seat for every passenger or for none")
        }
        if let index = seats.indices.first(where: { seats[..<$0].contains(seats[$0]) }) {
            throw ValidationError(field: "passengers[\(index)].seat", "\(seats[index]) is given to two passengers")
        }
    }

    /// Provider tokens are short opaque strings (`tok_visa`), never card numbers.
    public static func paymentToken(_ token: String, field: String = "paymentToken") throws {
        guard (1...200).contains(token.count),
              token.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0)) })
        else {
            throw ValidationError(field: field, "must be a payment token of 1 to 200 letters, digits, '_', '-' or '.', such as tok_visa")
        }
        // A bare run of 13 to 19 digits looks like a card number: refuse it rather than carry it.
        if (13...19).contains(token.count), token.allSatisfy(\.isNumber) {
            throw ValidationError(field: field, "looks like a card number; send the payment provider's token instead")
        }
    }

    public static func idempotencyKey(_ key: String, field: String = "idempotencyKey") throws {
        guard (1...255).contains(key.count), key.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x21 && $0.value < 0x7f }) else {
            throw ValidationError(field: field, "must be 1 to 255 visible ASCII characters")
        }
    }

    /// A record locator: 6 characters of the unambiguous alphabet (see `RecordLocator`).
    public static let recordLocatorAlphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")

    public static func recordLocator(_ pnr: String, field: String = "pnr") throws {
        guard pnr.count == 6, pnr.allSatisfy({ recordLocatorAlphabet.contains($0) }) else {
            throw ValidationError(field: field, "must be 6 characters of A-Z (no I, L, O) and 2-9, such as K7WQ2M")
        }
    }
}
