import CLibPQ
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One statement of a pipeline: exactly one SQL statement (the extended protocol takes no
/// multi-statement strings) and its parameters.
public struct PostgresStatement: Sendable {
    public var sql: String
    public var parameters: [(any PostgresEncodable)?]

    public init(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) {
        self.sql = sql
        self.parameters = parameters
    }
}

extension PostgresConnection {
    /// Sends several statements in libpq pipeline mode (one PQpipelineSync for all) and returns
    /// their results in order: one round trip for the lot.
    ///
    /// Statements with parameters go through the session's prepared statements, as `query` does:
    /// one the session has not prepared yet is prepared in the same pipeline, just before it.
    ///
    /// Between BEGIN and COMMIT the statements join the open transaction; outside one, the whole
    /// pipeline is one implicit transaction, so either every statement commits or none does. If one
    /// fails, the error names it (index and SQL); the ones after it are skipped by the server and
    /// the ones before it rolled back (or, inside a transaction, the transaction is aborted and
    /// must be rolled back). The connection is left out of pipeline mode and usable.
    public func pipeline(_ statements: [PostgresStatement]) throws -> [PostgresRows] {
        guard !statements.isEmpty else { return [] }
        let connection = try liveHandle(statements[0].sql)
        let wasInTransaction = inTransaction
        // Encode everything first: a bad parameter found halfway would leave statements queued
        // that can be neither synced (they would commit) nor taken back.
        let encoded = try statements.map { try EncodedParameters($0.parameters, sql: $0.sql) }
        return try exclusively {
            guard PQenterPipelineMode(connection) == 1 else {
                throw LibPQ.error(of: nil, connection: connection, sql: statements[0].sql)
                    .with(context: "entering pipeline mode")
            }
            // Non-blocking while sending, with our own flush loop that reads as it writes, as
            // libpq's documentation advises for pipelines: otherwise the client could wait for the
            // server to read while the server waits for the client to read its results. (libpq 15's
            // blocking flush happens to read while it waits too; this does not rely on that.)
            _ = PQsetnonblocking(connection, 1)
            var sendFailure: PostgresError?
            // Statements prepared in this pipeline: by position, to read the Prepare's result, and
            // by key, so a repeat later in the pipeline uses the same name.
            var preparing: [Int: (key: PreparedStatements.Key, name: String)] = [:]
            var preparedHere: [PreparedStatements.Key: String] = [:]
            withExtendedLifetime(encoded) {
                for (index, statement) in statements.enumerated() {
                    let parameters = encoded[index]
                    let sent: Int32
                    if parameters.count == 0 {
                        sent = PQsendQueryParams(connection, statement.sql, 0, nil, nil, nil, nil, 0)
                    } else {
                        let key = PreparedStatements.Key(sql: statement.sql, types: parameters.types)
                        var name = prepared.name(for: key) ?? preparedHere[key]
                        if name == nil, !prepared.isFull {
                            let fresh = prepared.reserveName()
                            if PQsendPrepare(connection, fresh, statement.sql, Int32(parameters.types.count), parameters.types) == 1 {
                                preparing[index] = (key, fresh)
                                preparedHere[key] = fresh
                                name = fresh
                            }
                        }
                        if let name {
                            sent = PQsendQueryPrepared(connection, name, parameters.count, parameters.values, nil, nil, 0)
                        } else {
                            sent = PQsendQueryParams(connection, statement.sql, parameters.count, parameters.types, parameters.values, nil, nil, 0)
                        }
                    }
                    guard sent == 1 else {
                        sendFailure = LibPQ.error(of: nil, connection: connection, sql: statement.sql)
                            .with(pipelineIndex: index, context: "sending pipeline statement [\(index)] of \(statements.count)")
                        return
                    }
                }
                if PQpipelineSync(connection) != 1 {
                    sendFailure = LibPQ.error(of: nil, connection: connection, sql: nil).with(context: "sending the pipeline sync")
                } else {
                    sendFailure = flushWhileReading(connection)
                }
            }
            _ = PQsetnonblocking(connection, 0)
            if let sendFailure {
                // After validation only a broken connection (or no memory) fails a send. Statements
                // queued without a sync cannot be taken back; dropping the session is the only exit,
                // and the caller sees a lost connection to reconnect() from.
                if PQstatus(connection) == CONNECTION_OK {
                    logger.error("pipeline send failed on a healthy connection; abandoning it until reconnect()", metadata: ["error": "\(sendFailure)"])
                    abandoned = true
                    throw PostgresError(message: sendFailure.message, statement: sendFailure.statement, pipelineIndex: sendFailure.pipelineIndex,
                                        context: "the connection was abandoned with the half-sent pipeline; reconnect()", connectionLost: true)
                }
                throw sendFailure
            }
            do {
                return try collectResults(statements, preparing: preparing, connection: connection, wasInTransaction: wasInTransaction)
            } catch {
                throw abandonIfStillInPipelineMode(connection, after: error)
            }
        }
    }

    /// Results that stopped coming (the server ended the session, as a restart does, or answered
    /// out of order) leave libpq in pipeline mode with results still owed, where every later
    /// statement would fail as a misuse on a connection that looks healthy. The connection is
    /// abandoned instead, so callers see a lost connection and reconnect().
    private func abandonIfStillInPipelineMode(_ connection: OpaquePointer, after error: any Error) -> any Error {
        guard PQpipelineStatus(connection) != PQ_PIPELINE_OFF else { return error }
        if PQstatus(connection) == CONNECTION_OK {
            logger.error("pipeline results broke off on a healthy connection; abandoning it until reconnect()", metadata: ["error": "\(error)"])
        }
        abandoned = true
        return (error as? PostgresError)?.with(connectionLost: true) ?? error
    }

    /// Flushes the output buffer, reading whatever the server sends meanwhile.
    private func flushWhileReading(_ connection: OpaquePointer) -> PostgresError? {
        while true {
            let flushed = PQflush(connection)
            if flushed == 0 { return nil }
            if flushed < 0 { return LibPQ.error(of: nil, connection: connection, sql: nil).with(context: "sending a pipeline") }
            var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN | POLLOUT), revents: 0)
            let ready = poll(&descriptor, 1, -1)
            if ready < 0, errno == EINTR { continue }
            if descriptor.revents & Int16(POLLIN) != 0, PQconsumeInput(connection) == 0 {
                return LibPQ.error(of: nil, connection: connection, sql: nil).with(context: "sending a pipeline")
            }
        }
    }

    /// Reads one result per statement, then the sync, then leaves pipeline mode.
    private func collectResults(_ statements: [PostgresStatement], preparing: [Int: (key: PreparedStatements.Key, name: String)],
                                connection: OpaquePointer, wasInTransaction: Bool) throws -> [PostgresRows] {
        var results: [PostgresRows] = []
        results.reserveCapacity(statements.count)
        var failure: PostgresError?
        var failedIndex = 0
        for (index, statement) in statements.enumerated() {
            if let preparation = preparing[index] {
                // The Prepare sent before this statement answers first; once it succeeded the
                // session has the statement whatever happens after it.
                guard let result = PQgetResult(connection) else { throw lost(connection, statement.sql, index, statements.count) }
                if PQresultStatus(result) == PGRES_COMMAND_OK { prepared.remember(preparation.key, as: preparation.name) }
                PQclear(result)
                while let extra = PQgetResult(connection) { PQclear(extra) }
            }
            guard let result = PQgetResult(connection) else {
                throw lost(connection, statement.sql, index, statements.count)
            }
            switch PQresultStatus(result) {
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                results.append(LibPQ.rows(of: result))
            case PGRES_PIPELINE_ABORTED:
                break  // skipped because an earlier statement failed
            default:
                if failure == nil {
                    failure = LibPQ.error(of: result, connection: connection, sql: statement.sql)
                    failedIndex = index
                    // DDL changed what the plan returns (0A000), or the statement is gone (26000):
                    // prepare it afresh next time.
                    if failure?.sqlState == "0A000" || failure?.sqlState == "26000" {
                        prepared.forget(sql: statement.sql)
                    }
                }
            }
            PQclear(result)
            // Each statement's results end with a NULL.
            while let extra = PQgetResult(connection) { PQclear(extra) }
            if PQstatus(connection) != CONNECTION_OK {
                throw failure?.with(pipelineIndex: failedIndex) ?? lost(connection, statement.sql, index, statements.count)
            }
        }
        guard let sync = PQgetResult(connection) else {
            throw lost(connection, nil, statements.count, statements.count)
        }
        let syncStatus = PQresultStatus(sync)
        defer { PQclear(sync) }
        guard syncStatus == PGRES_PIPELINE_SYNC else {
            // A session the server ended (a restart, pg_terminate_backend) answers the sync with
            // the error of its going; a statement's own failure before it says more.
            if let failure { throw failure.with(pipelineIndex: failedIndex) }
            if syncStatus == PGRES_FATAL_ERROR { throw lost(connection, nil, statements.count, statements.count, result: sync) }
            throw PostgresError.usage("expected the pipeline sync, got \(String(cString: PQresStatus(syncStatus)))")
        }
        guard PQexitPipelineMode(connection) == 1 else {
            throw LibPQ.error(of: nil, connection: connection, sql: nil).with(context: "leaving pipeline mode")
        }
        if let failure {
            func statementCount(_ count: Int) -> String { count == 1 ? "1 statement" : "\(count) statements" }
            let skipped = statements.count - failedIndex - 1
            let before = wasInTransaction
                ? "the open transaction is aborted and must be rolled back"
                : "the \(statementCount(failedIndex)) before it rolled back with it"
            throw failure.with(
                pipelineIndex: failedIndex,
                context: "pipeline statement [\(failedIndex)] of \(statements.count) failed; \(before); the \(statementCount(skipped)) after it skipped")
        }
        return results
    }

    private func lost(_ connection: OpaquePointer, _ sql: String?, _ index: Int, _ count: Int, result: OpaquePointer? = nil) -> PostgresError {
        LibPQ.error(of: result, connection: connection, sql: sql).with(
            pipelineIndex: index < count ? index : nil,
            context: "connection lost while reading pipeline results (at [\(index)] of \(count)); whether the pipeline committed is unknown")
    }
}
