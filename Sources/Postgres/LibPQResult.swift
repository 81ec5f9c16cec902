import CLibPQ
import Foundation

/// Conversions from libpq's PGresult: every result is copied into Swift values and cleared at
/// once, so no libpq memory escapes the call that produced it.
enum LibPQ {
    /// Rows of a PGRES_TUPLES_OK or PGRES_COMMAND_OK result.
    static func rows(of result: OpaquePointer) -> PostgresRows {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        let positions = PostgresRow.positions(of: columns)
        var rows: [PostgresRow] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) != 0 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, column))
                    let start = UnsafeRawPointer(PQgetvalue(result, row, column)!).assumingMemoryBound(to: UInt8.self)
                    values.append(String(decoding: UnsafeBufferPointer(start: start, count: length), as: UTF8.self))
                }
            }
            rows.append(PostgresRow(columns: columns, positions: positions, values: values))
        }
        let tag = String(cString: PQcmdStatus(result))
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresRows(columns: columns, rows: rows, affectedRows: affected, commandTag: tag)
    }

    /// The error a failed result describes; `connection` tells whether the failure broke the link.
    static func error(of result: OpaquePointer?, connection: OpaquePointer, sql: String?) -> PostgresError {
        let lost = PQstatus(connection) != CONNECTION_OK
        guard let result else {
            return PostgresError(message: message(PQerrorMessage(connection)) ?? "libpq returned no result",
                                 statement: sql.map(firstLine), connectionLost: lost)
        }
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let primary = field("M") ?? message(PQresultErrorMessage(result)) ?? message(PQerrorMessage(connection)) ?? "unknown error"
        return PostgresError(
            message: primary,
            sqlState: field("C"),
            detail: field("D"),
            hint: field("H"),
            statement: sql.map(firstLine),
            constraint: field("n"),
            table: field("t"),
            severity: field("V") ?? field("S"),
            connectionLost: lost)
    }

    /// libpq's own messages end in a newline and may hold several lines; keep them on one.
    static func message(_ text: UnsafePointer<CChar>?) -> String? {
        guard let text else { return nil }
        let words = String(cString: text).split(whereSeparator: \.isWhitespace)
        return words.isEmpty ? nil : words.joined(separator: " ")
    }
}

/// The parameters of one statement as C strings with their declared types, owned until deinit.
/// A NUL inside a value would silently cut it short in C, and PostgreSQL text cannot hold one,
/// so it is refused here, before anything is sent.
final class EncodedParameters {
    let types: [UInt32]
    let values: [UnsafePointer<CChar>?]
    private let storage: [UnsafeMutablePointer<CChar>?]

    init(_ parameters: [(any PostgresEncodable)?], sql: String) throws {
        guard parameters.count <= 65535 else {
            throw PostgresError.usage("\(parameters.count) parameters; the protocol allows at most 65535 (send arrays instead)", statement: sql)
        }
        var types: [UInt32] = []
        var storage: [UnsafeMutablePointer<CChar>?] = []
        types.reserveCapacity(parameters.count)
        storage.reserveCapacity(parameters.count)
        for (index, parameter) in parameters.enumerated() {
            guard let parameter else {
                types.append(0)
                storage.append(nil)
                continue
            }
            var text = parameter.postgresText
            guard let copy = text.withUTF8(Self.cString) else {
                storage.forEach { free($0) }
                throw PostgresError.usage("parameter $\(index + 1) (\(type(of: parameter))) contains a NUL character, which PostgreSQL text cannot hold; send binary data as Data (bytea)", statement: sql)
            }
            types.append(type(of: parameter).postgresType)
            storage.append(copy)
        }
        self.types = types
        self.storage = storage
        self.values = storage.map { UnsafePointer($0) }
    }

    var count: Int32 { Int32(values.count) }

    /// A NUL-terminated copy for libpq (freed with `free`), or nil when the text holds a NUL.
    private static func cString(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeMutablePointer<CChar>? {
        if let start = bytes.baseAddress, memchr(start, 0, bytes.count) != nil { return nil }
        let copy = malloc(bytes.count + 1)!.assumingMemoryBound(to: CChar.self)
        if let start = bytes.baseAddress { memcpy(copy, start, bytes.count) }
        copy[bytes.count] = 0
        return copy
    }

    deinit {
        storage.forEach { free($0) }
    }
}
