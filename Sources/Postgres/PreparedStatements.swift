import CLibPQ

/// The statements a session has prepared, by SQL text and parameter types.
///
/// Preparing once and executing by name spares the server parsing and planning on every call:
/// handlers run the same few statements thousands of times, and measured here that halves the
/// server's cost of a short INSERT. Only statements with parameters are cached (set-up,
/// transaction control and scripts run as before), and at most `capacity` of them, so a caller
/// that builds SQL text dynamically cannot grow the session's memory without bound.
struct PreparedStatements {
    struct Key: Hashable {
        let sql: String
        let types: [UInt32]
    }

    static let capacity = 512

    private var names: [Key: String] = [:]
    private var issued = 0

    func name(for key: Key) -> String? { names[key] }

    var isFull: Bool { names.count >= Self.capacity }

    /// A name no statement of this session has used yet.
    mutating func reserveName() -> String {
        issued += 1
        return "airfleet_\(issued)"
    }

    mutating func remember(_ key: Key, as name: String) { names[key] = name }

    mutating func forget(_ key: Key) { names[key] = nil }

    /// Forgets the statement under whatever parameter types it was prepared with.
    mutating func forget(sql: String) { names = names.filter { $0.key.sql != sql } }

    /// A new session knows none of them.
    mutating func removeAll() {
        names.removeAll()
        issued = 0
    }
}
