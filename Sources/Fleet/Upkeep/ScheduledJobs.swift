import AMQP
import Foundation
import Logging
import Postgres

/// Runs a context's scheduled jobs when their time comes, each in a transaction of its own that
/// writes what the job emitted to the outbox; the rows the broker confirms are deleted at once,
/// and a row it refused stays for the outbox sweep.
final class ScheduledJobs: PeriodicTask {
    private let jobs: [ScheduledJob]
    private let contextName: String
    private let database: ContextDatabase
    private let publisher: OutboxPublisher
    private let logger: Logger
    private var due: [String: ContinuousClock.Instant] = [:]

    init(jobs: [ScheduledJob], contextName: String, database: ContextDatabase, publisher: OutboxPublisher, logger: Logger) {
        self.jobs = jobs
        self.contextName = contextName
        self.database = database
        self.publisher = publisher
        self.logger = logger
    }

    func runDue() throws -> Duration {
        try publisher.keepAlive()
        for job in jobs where due[job.name].map({ $0 <= .now }) ?? true {
            due[job.name] = .now + job.interval
            try run(job)
        }
        let next = due.values.min() ?? .now + .seconds(60)
        return max(.zero, next - .now)
    }

    func disconnect() {
        publisher.close()
        database.close()
    }

    private func run(_ job: ScheduledJob) throws {
        let header = EnvelopeHeader(
            id: UUID.timeOrdered().lowercasedString, type: MessageType("fleet.job-run", version: 1),
            source: "airfleet/\(contextName)", time: Date(), subject: job.name, correlationId: nil, causationId: nil)
        var jobLogger = logger
        jobLogger[metadataKey: "job"] = "\(job.name)"
        jobLogger[metadataKey: "correlation_id"] = "\(header.id)"
        do {
            let db = try database.connected()
            let store = MessageStore(database: db)
            let outgoing = try db.transaction {
                let context = HandlerContext(database: db, logger: jobLogger, attempt: 1, now: Date(),
                                             contextName: contextName, header: header)
                try job.run(context)
                try store.append(context.outgoing)
                return context.outgoing
            }
            guard !outgoing.isEmpty else { return }
            // A row the broker refused stays for the outbox sweep.
            try store.remove(outgoing.taken(by: try publisher.publish(outgoing), logger: jobLogger))
        } catch let error as PostgresError where error.isConnectionLost {
            throw error
        } catch let error as AMQPError where error.isConnectionLost {
            throw error
        } catch {
            // A failing job must not stop the others; it runs again at its next turn.
            jobLogger.error("scheduled job failed", metadata: ["error": "\(error)"])
        }
    }
}
