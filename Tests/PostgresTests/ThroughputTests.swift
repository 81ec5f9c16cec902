import Foundation
import XCTest
@testable import Postgres

/// Prints rows per second for the three ways of writing rows; asserts only that the rows landed.
/// Figures depend on the machine and the build (debug under `swift test`).
final class ThroughputTests: PostgresTestCase {
    func testRowsPerSecond() throws {
        try connection.execute("create table events (id bigint primary key, body text not null)")
        let total = 2_000, batch = 100
        let body = "booking.confirmed.v1 {\"pnr\":\"X7K2QF\"}"

        // 1. One INSERT per row, each its own transaction (autocommit): a round trip and a commit each.
        var started = Date()
        for id in 0..<total {
            try connection.execute("insert into events values ($1, $2)", id, body)
        }
        let single = Double(total) / Date().timeIntervalSince(started)

        // 2. Pipelines of 100 single-row INSERTs: one round trip and one commit per batch.
        started = Date()
        for first in stride(from: total, to: 2 * total, by: batch) {
            let statements = (first..<first + batch).map { (id: Int) in PostgresStatement("insert into events values ($1, $2)", [id, body]) }
            _ = try connection.pipeline(statements)
        }
        let pipelined = Double(total) / Date().timeIntervalSince(started)

        // 3. One INSERT … SELECT unnest() of 100 rows per statement.
        started = Date()
        for first in stride(from: 2 * total, to: 3 * total, by: batch) {
            let ids = Array(first..<first + batch)
            try connection.execute("insert into events select * from unnest($1::int8[], $2::text[])", ids, Array(repeating: body, count: batch))
        }
        let unnested = Double(total) / Date().timeIntervalSince(started)

        XCTAssertEqual(try connection.query("select count(*) from events").first!.decode(Int.self, at: 0), 3 * total)
        print("""
            PostgresTests throughput (\(total) rows each, batches of \(batch), this build):
              single-row INSERT + COMMIT:      \(Int(single)) rows/s
              pipeline of 100 INSERTs:         \(Int(pipelined)) rows/s
              INSERT … SELECT unnest(arrays):  \(Int(unnested)) rows/s
            """)
    }
}
