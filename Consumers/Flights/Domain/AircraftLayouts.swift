import Contracts

/// A seat of an aircraft: `12A` is row 12, letter A.
public struct SeatNumber: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let row: Int
    public let letter: String

    public init(row: Int, letter: String) {
        self.row = row
        self.letter = letter
    }

    public init?(_ text: String) {
        guard let last = text.last, last.isLetter, let row = Int(text.dropLast()), row > 0 else { return nil }
        self.init(row: row, letter: String(last))
    }

    public var description: String { "\(row)\(letter)" }

    public static func < (lhs: SeatNumber, rhs: SeatNumber) -> Bool {
        (lhs.row, lhs.letter) < (rhs.row, rhs.letter)
    }
}

/// One cabin of a layout: a block of rows, each with the same seat letters (left to right;
/// letters next to each other in the list sit next to each other unless an aisle is marked).
public struct CabinLayout: Sendable {
    public let cabin: Cabin
    public let rows: ClosedRange<Int>
    /// Seat letters left to right, with "|" for an aisle.
    public let letters: [String]

    public var seatLetters: [String] { letters.filter { $0 != "|" } }
    public var seats: [SeatNumber] { rows.flatMap { row in seatLetters.map { SeatNumber(row: row, letter: $0) } } }
}

/// An aircraft type and its seat map. Real layouts of typical two- to four-cabin configurations.
/// A flight keeps its type's layout; changing a layout here changes it for flights not yet sold.
public struct AircraftLayout: Sendable {
    public let code: String
    public let name: String
    public let cabins: [CabinLayout]

    public func cabin(_ cabin: Cabin) -> CabinLayout? { cabins.first { $0.cabin == cabin } }
    /// The cabin a seat is in, or nil when the aircraft has no such seat.
    public func cabin(of seat: SeatNumber) -> Cabin? {
        cabins.first { $0.rows.contains(seat.row) && $0.seatLetters.contains(seat.letter) }?.cabin
    }
    public var seatCount: Int { cabins.reduce(0) { $0 + $1.seats.count } }
    public var isLongHaul: Bool { seatCount > 250 }

    public static let all: [AircraftLayout] = [
        AircraftLayout(code: "A320", name: "Airbus A320", cabins: [
            CabinLayout(cabin: .business, rows: 1...3, letters: ["A", "C", "|", "D", "F"]),
            CabinLayout(cabin: .economy, rows: 4...28, letters: ["A", "B", "C", "|", "D", "E", "F"]),
        ]),
        AircraftLayout(code: "B737-800", name: "Boeing 737-800", cabins: [
            CabinLayout(cabin: .business, rows: 1...4, letters: ["A", "C", "|", "D", "F"]),
            CabinLayout(cabin: .economy, rows: 5...30, letters: ["A", "B", "C", "|", "D", "E", "F"]),
        ]),
        AircraftLayout(code: "A350-900", name: "Airbus A350-900", cabins: [
            CabinLayout(cabin: .business, rows: 1...8, letters: ["A", "|", "D", "G", "|", "K"]),
            CabinLayout(cabin: .premiumEconomy, rows: 11...14, letters: ["A", "C", "|", "D", "E", "F", "G", "|", "H", "K"]),
            CabinLayout(cabin: .economy, rows: 20...45, letters: ["A", "B", "C", "|", "D", "E", "F", "|", "H", "J", "K"]),
        ]),
        AircraftLayout(code: "B777-300ER", name: "Boeing 777-300ER", cabins: [
            CabinLayout(cabin: .first, rows: 1...2, letters: ["A", "|", "D", "G", "|", "K"]),
            CabinLayout(cabin: .business, rows: 5...12, letters: ["A", "|", "D", "G", "|", "K"]),
            CabinLayout(cabin: .premiumEconomy, rows: 15...18, letters: ["A", "B", "|", "D", "E", "F", "G", "|", "J", "K"]),
            CabinLayout(cabin: .economy, rows: 30...60, letters: ["A", "B", "C", "|", "D", "E", "F", "G", "|", "H", "J", "K"]),
        ]),
    ]

    public static func find(_ code: String) -> AircraftLayout? { all.first { $0.code == code } }
}
