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
///
/// Delivery is at least once: a row left `sending` longer than `gracePeriod` belongs to a process
/// that died, and is claimed again (by a delivery of its event, or by the in-doubt sweep) and
/// sent again with the same Message-ID. Each claim counts an attempt, and a settle only counts
/// for the attempt that is still the row's, so a sender that was merely slow cannot undo the
/// outcome of the one that took over.
final class DeliveryLedger: @unchecked Sendable {
    enum Claim: Equatable {
        /// Ours to send now.
        case claimed(attempt: Int)
        /// Sent before; do not send again.
        case alreadySent
        /// Refused for good before; do not send again.
        case alreadyFailed(error: String)
        /// Another process is sending it, or died doing so less than the grace period ago: not
        /// sent now; if it is still `sending` after the grace period, the in-doubt sweep sends it.
        case inDoubt
    }

    struct Entry {
        var key: DeliveryKey
        var addressee: NotificationAddressee
        var flightId: UUID?
        var messageId: String
        var content: StoredEmail
    }

    private let lock = NSLock()
    private var configuration: PostgresConfiguration?
    private var connection: PostgresConnection?
    let logger: Logger
    /// How long `settle` keeps trying while the database is away (a restart takes seconds).
    private let settleRetryTime: Duration
    /// How long a row may stay `sending` before its sender counts as dead and the email is sent
    /// again. Longer than any SMTP exchange, so a live sender is never doubled.
    let gracePeriod: Duration

    init(logger: Logger, gracePeriod: Duration, settleRetryTime: Duration = .seconds(60)) {
        self.logger = logger
        self.gracePeriod = gracePeriod
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
            // reason, or whose sender has been silent past the grace period, is taken again (the
            // row lock lets one claimant win); anything else tells what happened before.
            let rows = try db.query(
                """
                INSERT INTO deliveries (delivery_key, kind, booking_id, subscription_id, customer_id, flight_id, recipient,
                    message_id, state, attempts, content)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'sending', 1, $9)
                ON CONFLICT (delivery_key) DO UPDATE
                    SET state = 'sending', attempts = deliveries.attempts + 1, content = EXCLUDED.content, updated_at = now()
                    WHERE deliveries.state = 'retrying'
                       OR (deliveries.state = 'sending' AND deliveries.updated_at < now() - $10::double precision * interval '1 millisecond')
                RETURNING attempts
                """,
                entry.key.description, entry.key.kind.rawValue, entry.addressee.bookingId, entry.addressee.subscriptionId,
                entry.addressee.customerId, entry.flightId, entry.addressee.email, entry.messageId, try entry.content.json,
                gracePeriod.milliseconds)
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

    /// Records what became of attempt `attempt` of an email once the SMTP server has had its say.
    /// It must not give up on a lost connection: the row would stay `sending` and the email be
    /// sent again after the grace period, a duplicate of one that went out. The UPDATE is
    /// idempotent, so it is tried again on a fresh connection until the database is back or
    /// `settleRetryTime` has passed.
    ///
    /// `sent` is final and always recorded; any other outcome counts only while `attempt` is the
    /// row's last claim: a later claimant's outcome is not overwritten by an earlier one's.
    func settle(_ key: String, attempt: Int, _ state: NotificationView.State, error: String? = nil) throws {
        let deadline = ContinuousClock.now + settleRetryTime
        while true {
            do {
                let changed = try withConnection { db in
                    try db.execute(
                        """
                        UPDATE deliveries SET state = $2, error = $3, updated_at = now()
                        WHERE delivery_key = $1 AND state <> 'sent' AND ($2 = 'sent' OR attempts = $4)
                        """, key, state.rawValue, error, attempt)
                }
                if changed == 0 {
                    logger.notice("the ledger kept a later outcome of this email", metadata: [
                        "delivery": "\(key)", "attempt": "\(attempt)", "state": "\(state.rawValue)"])
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

    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
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
