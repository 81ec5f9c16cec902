import Fleet
import Foundation
import Postgres

/// The test contexts' definitions, shared by in-process tests and the `fleet-testbed` process.
public enum ProbeContexts {
    /// Handlers for the probe context. `observe` sees every attempt of every handler, even those
    /// whose transaction rolls back, for tests that check retries from inside the process.
    public static func probe(observe: (@Sendable (String, Int, Date) -> Void)? = nil) -> ContextDefinition {
        var registry = HandlerRegistry(context: "probe")
        registry.handle(ProbeRecord.self) { envelope, context in
            observe?(envelope.data.key, context.attempt, Date())
            try record(envelope.data.key, context)
            try context.emit(ProbeRecorded(key: envelope.data.key), subject: envelope.data.key)
        }
        registry.handle(ProbeFlaky.self) { envelope, context in
            observe?(envelope.data.key, context.attempt, Date())
            if context.attempt <= envelope.data.failures {
                throw HandlerError.transient("flaky on purpose (attempt \(context.attempt) of \(envelope.data.failures) failures)")
            }
            try record(envelope.data.key, context)
        }
        registry.handle(ProbeFail.self) { envelope, context in
            observe?(envelope.data.key, context.attempt, Date())
            throw HandlerError.transient("always fails on purpose")
        }
        registry.handle(ProbeReject.self) { envelope, _ in
            throw HandlerError.permanent("refused on purpose: \(envelope.data.key)")
        }
        registry.handle(ProbeMark.self) { envelope, context in
            try context.database.execute("INSERT INTO marks (key, published_at) VALUES ($1, now())", envelope.data.key)
        }
        registry.handle(ProbeCrash.self) { _, _ in
            kill(getpid(), SIGKILL)
        }
        registry.handle(ProbeSlow.self) { envelope, context in
            observe?(envelope.data.key, context.attempt, Date())
            Thread.sleep(forTimeInterval: Double(envelope.data.milliseconds) / 1000)
            try record(envelope.data.key, context)
        }
        registry.handle(ProbeNoteV2.self) { envelope, context in
            try context.database.execute(
                "INSERT INTO records (key, attempt, author, pid) VALUES ($1, $2, $3, $4)",
                envelope.data.text, context.attempt, envelope.data.author, Int(getpid()))
        }
        registry.answer(ProbeCount.self) { envelope, context in
            let rows = try context.database.query("SELECT count(*) FROM records WHERE key = $1", envelope.data.key)
            return ProbeCount.Response(key: envelope.data.key, count: try rows.first!.decode(Int.self, at: 0))
        }
        registry.answer(ProbeSlowQuery.self) { envelope, _ in
            Thread.sleep(forTimeInterval: Double(envelope.data.milliseconds) / 1000)
            return ProbeCount.Response(key: "slow", count: 0)
        }
        // Turns rows a test drops into `marks` into events, once each, however many processes run.
        registry.schedule("publish-marks", every: .milliseconds(100)) { context in
            let rows = try context.database.query(
                "SELECT key FROM marks WHERE published_at IS NULL ORDER BY key LIMIT 20 FOR UPDATE SKIP LOCKED")
            for row in rows {
                let key = try row.decode(String.self, at: 0)
                try context.database.execute("UPDATE marks SET published_at = now() WHERE key = $1", key)
                try context.emit(ProbeRecorded(key: key), subject: key)
            }
        }
        return ContextDefinition(registry: registry, migrations: [
            Migration(version: 1, name: "records", sql: """
                CREATE TABLE records (
                    key        text        NOT NULL,
                    attempt    integer     NOT NULL,
                    author     text,
                    pid        integer     NOT NULL,
                    handled_at timestamptz NOT NULL DEFAULT clock_timestamp()
                );
                CREATE INDEX records_key ON records (key);
                """),
            Migration(version: 2, name: "marks", sql: "CREATE TABLE marks (key text PRIMARY KEY, published_at timestamptz);"),
        ])
    }

    /// Counts each `probe.recorded.v1` per key: the downstream effect that must happen once.
    public static func tally() -> ContextDefinition {
        var registry = HandlerRegistry(context: "tally")
        registry.handle(ProbeRecorded.self) { envelope, context in
            try context.database.execute(
                "INSERT INTO tallies (key, count) VALUES ($1, 1) ON CONFLICT (key) DO UPDATE SET count = tallies.count + 1",
                envelope.data.key)
        }
        return ContextDefinition(registry: registry, migrations: [
            Migration(version: 1, name: "tallies", sql: "CREATE TABLE tallies (key text PRIMARY KEY, count integer NOT NULL);"),
        ])
    }

    public static func all() -> [ContextDefinition] { [probe(), tally()] }

    public static func topology(settings: TopologySettings) -> Topology {
        Topology(settings: settings, contexts: all().map(\.topology))
    }

    private static func record(_ key: String, _ context: HandlerContext) throws {
        try context.write("INSERT INTO records (key, attempt, pid) VALUES ($1, $2, $3)", key, context.attempt, Int(getpid()))
    }
}
