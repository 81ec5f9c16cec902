import Foundation
import XCTest
@testable import Postgres
import Identifiers

/// Every supported type to the server and back, NULLs included.
final class CodingTests: PostgresTestCase {
    /// Sends value as $1, casts it to the SQL type on the server, and decodes what comes back.
    private func roundTrip<T: PostgresEncodable & PostgresDecodable>(_ value: T, as sqlType: String) throws -> T {
        try connection.query("select $1::\(sqlType)", value).first!.decode(T.self, at: 0)
    }

    func testIntegers() throws {
        for value in [0, 1, -1, Int.max, Int.min, 42] {
            XCTAssertEqual(try roundTrip(value, as: "int8"), value)
        }
        for value in [Int64.max, Int64.min, -9_007_199_254_740_993] {
            XCTAssertEqual(try roundTrip(value, as: "int8"), value)
        }
        for value in [Int32.max, Int32.min, -7] {
            XCTAssertEqual(try roundTrip(value, as: "int4"), value)
        }
        // An int4 column decodes as Int too, and a large int8 fails clearly as Int32.
        XCTAssertEqual(try connection.query("select 7::int4").first!.decode(Int.self, at: 0), 7)
        let error = expectError(PostgresDecodingError.self) {
            _ = try connection.query("select $1::int8 as big", Int64.max).first!.decode(Int32.self, at: 0)
        }
        XCTAssertEqual(error?.column, "big")
        XCTAssertTrue("\(error!)".contains("not an integer in"), "\(error!)")
    }

    func testAStringBackedEnumReadsByRawValueAndAnUnknownValueIsAnErrorNamingTheColumn() throws {
        enum Seating: String { case aisle, window }
        let row = try XCTUnwrap(try connection.query("select 'window' as seating, 'wing' as other").first)
        XCTAssertEqual(try row.decode(Seating.self, column: "seating"), .window)
        let error = expectError(PostgresDecodingError.self) { _ = try row.decode(Seating.self, column: "other") }
        XCTAssertEqual(error?.column, "other")
        XCTAssertTrue("\(error!)".contains("'wing'"), "\(error!)")
    }

    func testDoubles() throws {
        for value in [0.0, -0.5, 1.0 / 3.0, 1e-300, -1.7976931348623157e308, 123456789.123456789] {
            XCTAssertEqual(try roundTrip(value, as: "float8"), value)
        }
        XCTAssertEqual(try roundTrip(Double.infinity, as: "float8"), .infinity)
        XCTAssertEqual(try roundTrip(-Double.infinity, as: "float8"), -.infinity)
        XCTAssertTrue(try roundTrip(Double.nan, as: "float8").isNaN)
    }

    func testBoolsAndStrings() throws {
        XCTAssertEqual(try roundTrip(true, as: "bool"), true)
        XCTAssertEqual(try roundTrip(false, as: "bool"), false)
        for text in ["", " ", "plain", "Zürich ✈︎ 東京 👩🏽‍✈️", "quote ' and \" and \\ backslash", "line\nbreak\ttab", "NULL", String(repeating: "x", count: 100_000)] {
            XCTAssertEqual(try roundTrip(text, as: "text"), text)
        }
    }

    func testNulls() throws {
        let row = try connection.query("select $1::text as a, $2::int8 as b, $3::uuid as c", nil, nil, nil).first!
        XCTAssertTrue(row.isNull(at: 0))
        XCTAssertNil(row[0])
        XCTAssertNil(try row.decode(String?.self, at: 0))
        XCTAssertNil(try row.decode(Int?.self, column: "b"))
        XCTAssertNil(try row.decode(UUID?.self, at: 2))
        let error = expectError(PostgresDecodingError.self) { _ = try row.decode(Int.self, column: "b") }
        XCTAssertEqual(error?.column, "b")
        XCTAssertTrue("\(error!)".contains("column 'b'"), "\(error!)")
        XCTAssertTrue("\(error!)".contains("NULL"), "\(error!)")
        // An Optional that holds a value sends it; one that is nil sends NULL.
        let present: String? = "here", absent: String? = nil
        let both = try connection.query("select $1::text, $2::text", present, absent).first!
        XCTAssertEqual(both[0], "here")
        XCTAssertNil(both[1])
        XCTAssertEqual(try both.decode(String?.self, at: 0), "here")
    }

    func testEmptyStringIsNotNull() throws {
        let row = try connection.query("select $1::text is null, $1::text = ''", "").first!
        XCTAssertEqual(try row.decode(Bool.self, at: 0), false)
        XCTAssertEqual(try row.decode(Bool.self, at: 1), true)
    }

    func testDatesKeepMicroseconds() throws {
        // 2026-11-23 04:00:00.123456 UTC
        let date = Date(timeIntervalSince1970: 1_795_406_400.123456)
        XCTAssertEqual(date.postgresText, "2026-11-23 04:00:00.123456+00")
        let back = try roundTrip(date, as: "timestamptz")
        XCTAssertEqual(back.timeIntervalSince1970, date.timeIntervalSince1970, accuracy: 0.000_000_5)
        let row = try connection.query("select $1::timestamptz::text, extract(epoch from $1::timestamptz)::text", date).first!
        XCTAssertEqual(row[0], "2026-11-23 04:00:00.123456+00")
        XCTAssertEqual(row[1], "1795406400.123456")

        // The server's own values, exactly to the microsecond.
        let parsed = try connection.query("select '2026-11-23 04:00:00.000001+00'::timestamptz").first!.decode(Date.self, at: 0)
        XCTAssertEqual(parsed.postgresText, "2026-11-23 04:00:00.000001+00")
        let offset = try Date(postgresText: "2026-11-23 09:30:00.5+05:30")
        XCTAssertEqual(offset.postgresText, "2026-11-23 04:00:00.500000+00")
        XCTAssertEqual(try Date(postgresText: "2026-11-23").postgresText, "2026-11-23 00:00:00.000000+00")
        XCTAssertEqual(try Date(postgresText: "2026-11-23T04:00:00Z").postgresText, "2026-11-23 04:00:00.000000+00")

        // Before 1970, before year 1, far ahead, and infinity. (A Date is a Double of seconds since
        // 2001, so whole microseconds survive only within about 270 years of 2001; whole seconds always.)
        for text in ["1969-12-31 23:59:59.999999+00", "1800-02-28 23:59:59.000001+00", "2250-06-30 12:34:56.789012+00",
                     "0001-01-01 00:00:00.000000+00", "0044-03-15 12:00:00.000000+00 BC", "9999-12-31 23:59:59.000000+00"] {
            let value = try connection.query("select $1::timestamptz", text).first!.decode(Date.self, at: 0)
            XCTAssertEqual(value.postgresText, text)
            XCTAssertEqual(try roundTrip(value, as: "timestamptz"), value)
        }
        let infinite = try connection.query("select 'infinity'::timestamptz").first!.decode(Date.self, at: 0)
        XCTAssertEqual(infinite.timeIntervalSinceReferenceDate, .infinity)
        XCTAssertEqual(try connection.query("select $1::timestamptz = 'infinity'", infinite).first!.decode(Bool.self, at: 0), true)
        // The session is UTC whatever the server's default, so timestamp (without zone) is UTC too.
        XCTAssertEqual(try connection.query("select $1::timestamptz::timestamp::text", date).first![0], "2026-11-23 04:00:00.123456")
    }

    func testUUID() throws {
        let id = UUID()
        XCTAssertEqual(try roundTrip(id, as: "uuid"), id)
        XCTAssertEqual(try connection.query("select $1::uuid::text", id).first![0], id.lowercasedString)
    }

    func testByteaWithAllByteValues() throws {
        let bytes = Data((0...255).map { UInt8($0) } + (0...255).reversed().map { UInt8($0) })
        XCTAssertEqual(try roundTrip(bytes, as: "bytea"), bytes)
        XCTAssertEqual(try connection.query("select length($1::bytea)", bytes).first!.decode(Int.self, at: 0), 512)
        XCTAssertEqual(try roundTrip(Data(), as: "bytea"), Data())
    }

    func testJSON() throws {
        struct Seat: Codable, Equatable { var row: Int; var letter: String; var note: String? }
        let seat = Seat(row: 12, letter: "C", note: "aisle, \"extra\" legroom ✈︎")
        try connection.execute("create table docs (id int primary key, body jsonb not null)")
        try connection.execute("insert into docs values (1, $1)", try PostgresJSON(encoding: seat))
        let stored = try connection.query("select body, body->>'letter', jsonb_typeof(body) from docs").first!
        XCTAssertEqual(try stored.decode(PostgresJSON.self, at: 0).decode(Seat.self), seat)
        XCTAssertEqual(stored[1], "C")
        XCTAssertEqual(stored[2], "object")
        XCTAssertEqual(try roundTrip(PostgresJSON("[1, {\"a\": null}]"), as: "jsonb").text, "[1, {\"a\": null}]")
    }

    func testArraysWithNastyStringsThroughUnnest() throws {
        let nasty = ["", " ", "NULL", "null", "a,b", "{braces}", "}", "{", "\"quoted\"", "back\\slash", "\\", "\\\"", "'single'",
                     "tab\there", "new\nline", "  padded  ", "Zürich ✈︎", "'); drop table x; --", "ARRAY[1]", "a\"b\\c,d{e}f"]
        let rows = try connection.query("select s from unnest($1::text[]) with ordinality as t(s, n) order by n", [nasty])
        XCTAssertEqual(try rows.column(String.self), nasty)
        // The same array decoded as an array.
        XCTAssertEqual(try connection.query("select $1::text[]", [nasty]).first!.decode([String].self, at: 0), nasty)
        // NULL elements travel in [String?], and only they become NULL.
        let withNulls: [String?] = ["a", nil, "NULL", ""]
        let nulls = try connection.query("select s is null from unnest($1::text[]) with ordinality as t(s, n) order by n", [withNulls])
        XCTAssertEqual(try nulls.column(Bool.self), [false, true, false, false])
        XCTAssertEqual(try connection.query("select $1::text[]", [withNulls]).first!.decode([String?].self, at: 0), withNulls)
        XCTAssertEqual(try connection.query("select $1::text[]", [[String]()]).first!.decode([String].self, at: 0), [])
    }

    func testTypedArrays() throws {
        let ints: [Int64] = [Int64.min, -1, 0, Int64.max]
        XCTAssertEqual(try connection.query("select array_agg(x order by n) from unnest($1::int8[]) with ordinality as t(x, n)", [ints]).first!.decode([Int64].self, at: 0), ints)
        XCTAssertEqual(try connection.query("select sum(x)::int8 from unnest($1) as x", [[1, 2, 3]]).first!.decode(Int.self, at: 0), 6)
        let ids = [UUID(), UUID(), UUID()]
        XCTAssertEqual(try connection.query("select $1::uuid[]", [ids]).first!.decode([UUID].self, at: 0), ids)
        let dates = [Date(timeIntervalSince1970: 0.000_001), Date(timeIntervalSince1970: 1_795_406_400.654321)]
        let backDates = try connection.query("select x from unnest($1::timestamptz[]) with ordinality as t(x, n) order by n", [dates]).column(Date.self)
        XCTAssertEqual(backDates.map(\.postgresText), dates.map(\.postgresText))
        let blobs = [Data(), Data([0, 92, 34, 44, 123, 125, 255]), Data((0...255).map { UInt8($0) })]
        XCTAssertEqual(try connection.query("select x from unnest($1::bytea[]) with ordinality as t(x, n) order by n", [blobs]).column(Data.self), blobs)
        XCTAssertEqual(try connection.query("select $1::bytea[]", [blobs]).first!.decode([Data].self, at: 0), blobs)
    }

    func testParametersAreNeverInterpolated() throws {
        try connection.execute("create table x (id int primary key, name text not null)")
        let attack = "'); drop table x; --"
        XCTAssertEqual(try connection.execute("insert into x values (1, $1)", attack), 1)
        XCTAssertEqual(try connection.query("select name from x where name = $1", attack).first?[0], attack)
        XCTAssertEqual(try connection.query("select count(*) from x").first!.decode(Int.self, at: 0), 1)
        // A NUL cannot be stored in text and would truncate in C: refused before sending.
        let error = expectError(PostgresError.self) { try connection.execute("insert into x values (2, $1)", "a\u{0}b") }
        XCTAssertTrue(error?.message.contains("NUL") ?? false, "\(String(describing: error))")
    }

    func testRowAccessByColumnAndAffectedRows() throws {
        try connection.execute("create table t (id int, label text)")
        XCTAssertEqual(try connection.execute("insert into t select g, 'n' || g from generate_series(1, 5) g"), 5)
        XCTAssertEqual(try connection.execute("update t set label = $1 where id > $2", "big", 3), 2)
        let rows = try connection.query("select id, label from t order by id")
        XCTAssertEqual(rows.columns, ["id", "label"])
        XCTAssertEqual(rows.count, 5)
        XCTAssertEqual(rows.affectedRows, 5)
        XCTAssertEqual(try rows.first!.decode(String.self, column: "label"), "n1")
        XCTAssertEqual(try rows.map { try $0.decode(Int.self, column: "id") }, [1, 2, 3, 4, 5])
        let missing = expectError(PostgresDecodingError.self) { _ = try rows.first!.decode(Int.self, column: "nope") }
        XCTAssertTrue("\(missing!)".contains("no column 'nope'; the row has: id, label"), "\(missing!)")
        XCTAssertEqual(try connection.execute("delete from t"), 5)
        XCTAssertEqual(try connection.query("select * from t").count, 0)
    }
}
