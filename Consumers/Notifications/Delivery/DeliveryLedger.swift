import Contracts
import Foundation
import Logging
import Postgres

/// The delivery ledger: one row per email (per `DeliveryKey`), claimed before the email goes
/// to the SMTP server and settled after, on a connection of its own whose every statement
/// commits at once.
///
/// It lives outside the handler's transaction on purpose: that transaction may roll back after
/// the email left (a batch-mate fails, the process dies before commit), and a ledger inside it
/// would forget the email and send it again. See README.md for the whole argument.
final class DeliveryLedger: @unchecked Sendable {
    enum Claim: Equatable {
        /// Ours to send now.
        case claimed(attempt: Int)
        /// Sent before; do not send again.
        case alreadySent
        /// Refused for good before; do not send again.
        case alreadyFailed(error: String)
        /// Another process holds it, or one died while sending it: at most once, so not resent.
        case inDoubt
    }

    struct Entry {
        var key: DeliveryKey
        var addressee: NotificationAddressee
        var flightId: UUID?
        var messageId: String
    }

    private let lock = NSLock()
    private var configuration: PostgresConfiguration?
    private var connection: PostgresConnection?
    private let logger: Logger
    /// How long `settle` keeps trying while the database is away (a restart takes seconds).
    private let settleRetryTime: Duration

    init(logger: Logger, settleRetryTime: Duration = .seconds(60)) {
        self.logger = logger
        self.settleRetryTime = settleRetryTime
    }

    /// Called at start-up, once the fleet's settings are known.
    func configure(_ database: PostgresConfiguration, schema: String, applicationName: String = "airfleet-notifications-ledger") {
        var database = database
        database.settings["search_path"] = "\"\(schema)\", public"
        database.applicationName = applicationName
        lock.withLock { configuration = database }
    }

    func claim(_ entry: Entry) throws -> Claim {
        try withConnection { db in
            // A fresh key is inserted as `sending`; a key whose last try failed for a passing
            // reason is taken again; anything else tells what happened before.
            let rows = try db.query(
                """
                INSERT INTO deliveries (delivery_key, kind, booking_id, subscription_id, customer_id, flight_id, recipient,
                    message_id, state, attempts)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'sending', 1)
                ON CONFLICT (delivery_key) DO UPDATE SET state = 'sending', attempts = deliveries.attempts + 1, updated_at = now()
                    WHERE deliveries.state = 'retrying'
                RETURNING attempts
                """,
                entry.key.description, entry.key.kind.rawValue, entry.addressee.bookingId, entry.addressee.subscriptionId,
                entry.addressee.customerId, entry.flightId, entry.addressee.email, entry.messageId)
            if let row = rows.first { return .claimed(attempt: try row.decode(Int.self, at: 0)) }
            guard let existing = try db.query("SELECT state, error FROM deliveries WHERE delivery_key = $1", entry.key.description).first else {
                throw LedgerError("delivery \(entry.key) vanished while being claimed")
            }
            switch try existing.decode(String.self, at: 0) {
            case "sent": return .alreadySent
            case "failed": return .alreadyFailed(error: try existing.decode(String?.self, at: 1) ?? "refused")
            default: return .inDoubt
            }
        }
    }

    /// Records what became of an email the SMTP server has had its say on. It must not give up on
    /// a lost connection: the row would stay `sending`, which every later delivery reads as in
    /// doubt, so an email that went out would never be announced (and one that may pass would
    /// never be retried). The UPDATE is idempotent, so it is tried again on a fresh connection
    /// until the database is back or `settleRetryTime` has passed.
    func settle(_ key: DeliveryKey, _ state: NotificationView.State, error: String? = nil) throws {
        let deadline = ContinuousClock.now + settleRetryTime
        while true {
            do {
                try withConnection { db in
                    _ = try db.execute("UPDATE deliveries SET state = $2, error = $3, updated_at = now() WHERE delivery_key = $1",
                                       key.description, state.rawValue, error)
                }
                return
            } catch let failure as PostgresError where failure.isConnectionLost && ContinuousClock.now < deadline {
                logger.warning("the delivery ledger lost its database while recording an email; trying again",
                               metadata: ["delivery": "\(key)", "state": "\(state.rawValue)", "error": "\(failure)"])
                lock.withLock { dropConnection() }
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
    }

    private func dropConnection() {
        connection?.close()
        connection = nil
    }

    private func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try lock.withLock {
            guard let configuration else { throw LedgerError("the delivery ledger has no database: the context's start-up did not run") }
            if connection == nil || connection?.isHealthy == false {
                connection?.close()
                connection = try PostgresConnection(configuration, logger: logger)
            }
            return try body(connection!)
        }
    }
}

struct LedgerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
