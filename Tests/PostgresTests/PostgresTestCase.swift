import TestServers
import Foundation
import Logging
import XCTest
@testable import Postgres

/// A test against the real test database, inside a schema of its own that tearDown drops.
class PostgresTestCase: XCTestCase {
    var connection: PostgresConnection!
    var schema: String!

    override func setUpWithError() throws {
        schema = TestServers.makeSchemaName("pgtest")
        connection = try Self.connect()
        try connection.execute(script: "create schema \(schema!); set search_path to \(schema!)")
    }

    override func tearDownWithError() throws {
        connection?.close()
        // A fresh connection: the test may have broken or closed its own.
        let cleaner = try Self.connect()
        try cleaner.execute(script: "drop schema if exists \(schema!) cascade")
        cleaner.close()
    }

    static func connect(logger: Logger = Logger(label: "postgres-tests")) throws -> PostgresConnection {
        var configuration = try PostgresConfiguration(url: TestServers.databaseURL())
        configuration.applicationName = "airfleet-postgres-tests"
        return try PostgresConnection(configuration, logger: logger)
    }

    /// A second connection into the test's schema.
    func connectToSchema(logger: Logger = Logger(label: "postgres-tests")) throws -> PostgresConnection {
        let other = try Self.connect(logger: logger)
        try other.execute(script: "set search_path to \(schema!)")
        return other
    }

    /// Runs body and returns what it threw, failing the test if it threw nothing or something else.
    func expectError<E: Error>(_ expected: E.Type, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) -> E? {
        do {
            try body()
            XCTFail("expected \(E.self), nothing was thrown", file: file, line: line)
        } catch let error as E {
            return error
        } catch {
            XCTFail("expected \(E.self), got \(type(of: error)): \(error)", file: file, line: line)
        }
        return nil
    }
}

/// Log messages collected by `CollectingLogHandler`, readable from the test.
final class CollectedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] = []

    func append(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) {
        lock.withLock { entries.append((level, message, metadata)) }
    }

    var all: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] {
        lock.withLock { entries }
    }

    func logger() -> Logger {
        Logger(label: "collected") { _ in CollectingLogHandler(store: self) }
    }
}

struct CollectingLogHandler: LogHandler {
    let store: CollectedLogs
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.append(event.level, event.message.description, metadata.merging(event.metadata ?? [:]) { $1 })
    }
}

/// A value shared with a Thread, guarded by a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withValue<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&value) } }
}
