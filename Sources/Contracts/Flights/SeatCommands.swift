import Fleet
import Foundation

/// Holds seats of one cabin for a booking, either the `seats` named or any `count` seats.
/// Idempotent by `holdId`: the same holdId again re-emits the first outcome.
extension HoldSeats {
    public static let defaultHoldSeconds = 600
    public static let maximumSeats = 9

    public var effectiveHoldSeconds: Int { holdSeconds ?? Self.defaultHoldSeconds }

    public func validate() throws {
        // An unknown cabin is an answer (`cabin-unknown`), not a broken message: only its form is checked here.
        guard !cabin.isEmpty, cabin.count <= 30 else { throw ValidationError(field: "cabin", "must name a cabin") }
        switch (seats, count) {
        case (nil, nil), (.some, .some):
            throw ValidationError(field: "seats", "give either seats (seat numbers) or count, not both or neither")
        case (let seats?, nil):
            guard (1...Self.maximumSeats).contains(seats.count) else {
                throw ValidationError(field: "seats", "must name 1 to \(Self.maximumSeats) seats")
            }
            guard Set(seats).count == seats.count else { throw ValidationError(field: "seats", "must not repeat a seat") }
            for (index, seat) in seats.enumerated() where !Self.isSeatNumber(seat) {
                throw ValidationError(field: "seats[\(index)]", "must be a row and a letter, such as 12A")
            }
        case (nil, let count?):
            guard (1...Self.maximumSeats).contains(count) else {
                throw ValidationError(field: "count", "must be 1 to \(Self.maximumSeats)")
            }
        }
        if let holdSeconds, !(1...3600).contains(holdSeconds) {
            throw ValidationError(field: "holdSeconds", "must be 1 to 3600")
        }
    }

    static func isSeatNumber(_ seat: String) -> Bool {
        guard let letter = seat.last, letter.isASCII, letter.isUppercase else { return false }
        let row = seat.dropLast()
        return (1...3).contains(row.count) && row.allSatisfy { $0.isASCII && $0.isNumber } && row.first != "0"
    }
}
