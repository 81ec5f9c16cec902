/// A 13-digit ticket number: the 3-digit airline code, a 9-digit serial, and a check digit
/// (the first 12 digits modulo 7, as airline document numbers use).
public enum TicketNumber {
    /// Airfleet's airline code (in the range IATA leaves unassigned).
    public static let airlineCode = 999
    public static let serialLimit = 1_000_000_000

    public static func make(serial: Int, airline: Int = airlineCode) -> String {
        precondition((0..<1000).contains(airline) && (0..<serialLimit).contains(serial), "ticket serial out of range")
        let body = airline * serialLimit + serial
        return pad(body, to: 12) + String(body % 7)
    }

    public static func isValid(_ ticket: String) -> Bool {
        guard ticket.count == 13, ticket.allSatisfy(\.isASCII), ticket.allSatisfy(\.isNumber),
              let body = Int(ticket.prefix(12)), let check = Int(ticket.suffix(1)) else { return false }
        return body % 7 == check
    }

    private static func pad(_ value: Int, to width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
