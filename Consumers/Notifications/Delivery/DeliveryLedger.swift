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

    /// What became of one attempt of an email, for `settle`.
    struct Settlement {
        var key: String
        var attempt: Int
        var state: NotificationView.State
        var error: String?
    }

    func claim(_ entry: Entry) throws -> Claim {
        guard let claim = try claim([entry])[entry.key.description] else {
            throw LedgerError("delivery \(entry.key) vanished while being claimed")
        }
        return claim
    }

    /// Claims many emails in one statement: what `claim` tells of one, by delivery key. Keys
    /// must differ.
    func claim(_ entries: [Entry]) throws -> [String: Claim] {
        guard !entries.isEmpty else { return [:] }
        let keys = entries.map(\.key.description)
        let contents = try entries.map { try $0.content.json }
        return try withConnection { db in
            // A fresh key is inserted as `sending`; a key whose last try failed for a passing
            // reason, or whose sender has been silent past the grace period, is taken again (the
            // row lock lets one claimant win); anything else tells what happened before.
            // The rendered email of each row claimed goes beside it, into delivery_contents.
            var claims: [String: Claim] = [:]
            for row in try db.query(
                """
                WITH claimed AS (
                    INSERT INTO deliveries AS d (delivery_key, kind, booking_id, subscription_id, customer_id, flight_id,
                        recipient, message_id, state, attempts)
                    SELECT key, kind, booking_id, subscription_id, customer_id, flight_id, recipient, message_id, 'sending', 1
                    FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[], $8::text[])
                        AS e(key, kind, booking_id, subscription_id, customer_id, flight_id, recipient, message_id)
                    ON CONFLICT (delivery_key) DO UPDATE
                        SET state = 'sending', attempts = d.attempts + 1, updated_at = now()
                        WHERE d.state = 'retrying'
                           OR (d.state = 'sending' AND d.updated_at < now() - $10::double precision * interval '1 millisecond')
                    RETURNING delivery_key, attempts),
                stored AS (
                    INSERT INTO delivery_contents (delivery_key, content)
                    SELECT e.key, e.content FROM unnest($1::text[], $9::jsonb[]) AS e(key, content)
                    JOIN claimed ON claimed.delivery_key = e.key
                    ON CONFLICT (delivery_key) DO UPDATE SET content = EXCLUDED.content)
                SELECT delivery_key, attempts FROM claimed
                """,
                keys, entries.map(\.key.kind.rawValue), entries.map(\.addressee.bookingId), entries.map(\.addressee.subscriptionId),
                entries.map(\.addressee.customerId), entries.map(\.flightId), entries.map(\.addressee.email),
                entries.map(\.messageId), contents, gracePeriod.milliseconds)
            {
                claims[try row.decode(String.self, column: "delivery_key")] = .claimed(attempt: try row.decode(Int.self, column: "attempts"))
            }
            let others = keys.filter { claims[$0] == nil }
            guard !others.isEmpty else { return claims }
            for row in try db.query("SELECT delivery_key, state, error FROM deliveries WHERE delivery_key = ANY($1::text[])", others) {
                let key = try row.decode(String.self, column: "delivery_key")
                switch try row.decode(String.self, column: "state") {
                case "sent": claims[key] = .alreadySent
                case "failed": claims[key] = .alreadyFailed(error: try row.decode(String?.self, column: "error") ?? "refused")
                default: claims[key] = .inDoubt
                }
            }
            return claims
        }
    }

    /// Records what became of attempt `attempt` of an email once the SMTP server has had its say.
    func settle(_ key: String, attempt: Int, _ state: NotificationView.State, error: String? = nil) throws {
        try settle([Settlement(key: key, attempt: attempt, state: state, error: error)])
    }

    /// Records many outcomes in one statement. It must not give up on a lost connection: a row
    /// would stay `sending` and its email be sent again after the grace period, a duplicate of one
    /// that went out. The UPDATE is idempotent, so it is tried again on a fresh connection until
    /// the database is back or `settleRetryTime` has passed.
    ///
    /// `sent` is final and always recorded; any other outcome counts only while its attempt is the
    /// row's last claim: a later claimant's outcome is not overwritten by an earlier one's.
    func settle(_ settlements: [Settlement]) throws {
        guard !settlements.isEmpty else { return }
        let deadline = ContinuousClock.now + settleRetryTime
        while true {
            do {
                let changed = try withConnection { db in
                    Set(try db.query(
                        """
                        UPDATE deliveries d SET state = s.state, error = s.error, updated_at = now()
                        FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[]) AS s(key, state, error, attempt)
                        WHERE d.delivery_key = s.key AND d.state <> 'sent' AND (s.state = 'sent' OR d.attempts = s.attempt)
                        RETURNING d.delivery_key
                        """,
                        settlements.map(\.key), settlements.map(\.state.rawValue), settlements.map(\.error),
                        settlements.map(\.attempt)
                    ).column(String.self))
                }
                for settlement in settlements where !changed.contains(settlement.key) {
                    logger.notice("the ledger kept a later outcome of this email", metadata: [
                        "delivery": "\(settlement.key)", "attempt": "\(settlement.attempt)", "state": "\(settlement.state.rawValue)"])
                }
                return
            } catch let failure as PostgresError where failure.isConnectionLost && ContinuousClock.now < deadline {
                logger.warning("the delivery ledger lost its database while recording emails; trying again",
                               metadata: ["deliveries": "\(settlements.count)", "first": "\(settlements[0].key)", "error": "\(failure)"])
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
