/// The outcome of one statement: its rows (copied out of libpq, so they outlive the result and can
/// cross threads) and the number of rows it affected.
public struct PostgresRows: Sequence, Sendable {
    public let columns: [String]
    public let rows: [PostgresRow]
    /// Rows inserted, updated, deleted, selected, … (PQcmdTuples); 0 for statements without a count.
    public let affectedRows: Int
    /// The command tag, such as `INSERT 0 1` or `COMMIT`.
    public let commandTag: String

    public init(columns: [String], rows: [PostgresRow], affectedRows: Int, commandTag: String = "") {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
        self.commandTag = commandTag
    }

    public var count: Int { rows.count }
    public var first: PostgresRow? { rows.first }
    public var isEmpty: Bool { rows.isEmpty }

    public func makeIterator() -> IndexingIterator<[PostgresRow]> {
        rows.makeIterator()
    }

    /// Decodes the first column of every row: `try connection.query("select id from t").column(UUID.self)`.
    public func column<T: PostgresDecodable>(_ type: T.Type, at index: Int = 0) throws -> [T] {
        try rows.map { try $0.decode(type, at: index) }
    }
}

/// One row; values are kept in PostgreSQL's text format (nil for NULL) and decoded on demand.
public struct PostgresRow: Sendable {
    /// The column names, shared by every row of a result.
    public let columns: [String]
    /// Each column name's index (the first, where a name repeats), shared like `columns`.
    let positions: [String: Int]
    let values: [String?]

    public init(columns: [String], values: [String?]) {
        self.init(columns: columns, positions: Self.positions(of: columns), values: values)
    }

    init(columns: [String], positions: [String: Int], values: [String?]) {
        precondition(columns.count == values.count, "a row needs one value per column")
        self.columns = columns
        self.positions = positions
        self.values = values
    }

    static func positions(of columns: [String]) -> [String: Int] {
        var positions: [String: Int] = [:]
        for (index, name) in columns.enumerated() where positions[name] == nil { positions[name] = index }
        return positions
    }

    /// NULL → an error naming the column, unless T is Optional.
    public func decode<T: PostgresDecodable>(_ type: T.Type, at index: Int) throws -> T {
        guard values.indices.contains(index) else {
            throw PostgresDecodingError(T.self, text: nil, reason: "no column at index \(index); the row has \(values.count): \(columns.joined(separator: ", "))")
        }
        do {
            return try decodeValue(T.self, from: values[index])
        } catch var error as PostgresDecodingError {
            error.column = columns[index]
            error.columnIndex = index
            throw error
        }
    }

    /// Decodes the first column of that name.
    public func decode<T: PostgresDecodable>(_ type: T.Type, column: String) throws -> T {
        guard let index = positions[column] else {
            throw PostgresDecodingError(T.self, text: nil, reason: "no column '\(column)'; the row has: \(columns.joined(separator: ", "))")
        }
        return try decode(type, at: index)
    }

    /// A string-backed enum, by its raw value: a value the enum does not have is an error naming
    /// the column, not a crash.
    public func decode<T: RawRepresentable>(_ type: T.Type, column: String) throws -> T where T.RawValue == String {
        let text = try decode(String.self, column: column)
        guard let value = T(rawValue: text) else {
            var error = PostgresDecodingError(T.self, text: text, reason: "it is none of \(T.self)'s values")
            error.column = column
            throw error
        }
        return value
    }

    /// The same for a column that may be NULL.
    public func decode<T: RawRepresentable>(_ type: T?.Type, column: String) throws -> T? where T.RawValue == String {
        guard try decode(String?.self, column: column) != nil else { return nil }
        return try decode(T.self, column: column)
    }

    /// Out of range traps, like an Array subscript.
    public func isNull(at index: Int) -> Bool {
        values[index] == nil
    }

    /// The raw text value (nil for NULL); out of range traps, like an Array subscript.
    public subscript(index: Int) -> String? {
        values[index]
    }

    /// The raw text value of the first column of that name (nil for NULL or no such column).
    public subscript(column: String) -> String? {
        positions[column].flatMap { values[$0] }
    }
}
