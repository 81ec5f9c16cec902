import Contracts
import Foundation
import Logging
import Postgres

/// A payment provider that needs no network, for development and tests: test tokens decide
/// what happens (`SandboxCard`), and what the "provider" remembers (charges, refunds, calls per
/// idempotency key) lives in PostgreSQL, so several payments processes see one provider, a
/// "fail twice" card fails twice in all, and a process that dies forgets nothing the provider knew.
///
/// Its tables (`sandbox_*`) sit beside the context's, written on a connection of its own,
/// outside the handler's transaction, as a real provider's books are.
public final class SandboxGateway: PaymentGateway, @unchecked Sendable {
    public struct Settings: Sendable {
        /// How long each call takes (`AIRFLEET_SANDBOX_LATENCY`).
        public var latency: Duration
        /// How long the client waits for an answer (`AIRFLEET_PAYMENT_TIMEOUT`); the timing-out
        /// test cards make the client wait this long.
        public var clientTimeout: Duration

        public init(latency: Duration = .milliseconds(20), clientTimeout: Duration = .seconds(10)) {
            self.latency = latency
            self.clientTimeout = clientTimeout
        }
    }

    private let database: PostgresConfiguration
    private let settings: Settings
    private let logger: Logger
    private let lock = NSLock()
    private var connection: PostgresConnection?

    /// - Parameters:
    ///   - database: the payments database; `schema` is where the sandbox's tables are.
    public init(database: PostgresConfiguration, schema: String, settings: Settings = Settings(), logger: Logger) {
        var database = database
        database.settings["search_path"] = "\"\(schema)\", public"
        database.applicationName = "airfleet-payments-sandbox"
        self.database = database
        self.settings = settings
        self.logger = logger
    }

    public func charge(_ request: ChargeRequest) throws(GatewayError) -> ChargeOutcome {
        let card = SandboxCard.parse(request.token)
        switch card.behaviour {
        case .approve, .decline:
            // Nothing here depends on which call this is: counted and decided in one statement.
            pause(settings.latency)
            return try provider { db in try Self.recordCharge(db, request, card, countingTheCall: true) }
        case .failTransiently, .timeOut, .unavailable:
            break
        }
        let call = try provider { db in try Self.countCall(db, key: request.idempotencyKey) }
        pause(settings.latency)
        switch card.behaviour {
        case .unavailable:
            throw .unavailable("503 service unavailable (sandbox card)")
        case .failTransiently(let times) where call <= times:
            throw .unavailable("503 service unavailable (sandbox card: fails \(times) times, this was call \(call))")
        default:
            break
        }
        let outcome = try provider { db in try Self.recordCharge(db, request, card) }
        if case .timeOut(let times) = card.behaviour, call <= times {
            pause(settings.clientTimeout)
            throw .timedOut(after: settings.clientTimeout)
        }
        return outcome
    }

    public func refund(_ request: RefundRequest) throws(GatewayError) -> RefundOutcome {
        pause(settings.latency)
        return try provider { db in try Self.recordRefund(db, request) }
    }

    public func status(idempotencyKey: String) throws(GatewayError) -> ChargeOutcome? {
        pause(settings.latency)
        return try provider { db in
            try db.query("SELECT outcome, reference, last4, decline_reason FROM sandbox_charges WHERE idempotency_key = $1",
                         idempotencyKey).first.map(Self.outcome)
        }
    }

    // MARK: The provider's books

    private static func countCall(_ db: PostgresConnection, key: String) throws -> Int {
        try db.query(
            """
            INSERT INTO sandbox_calls (idempotency_key, calls) VALUES ($1, 1)
            ON CONFLICT (idempotency_key) DO UPDATE SET calls = sandbox_calls.calls + 1 RETURNING calls
            """, key).first!.decode(Int.self, column: "calls")
    }

    /// The key's first charge decides; later calls with the key get its result.
    private static func recordCharge(_ db: PostgresConnection, _ request: ChargeRequest, _ card: SandboxCard,
                                     countingTheCall: Bool = false) throws -> ChargeOutcome {
        let declined: PaymentDeclined.Reason? = if case .decline(let reason) = card.behaviour { reason } else { nil }
        // One statement: the inserted row, or the key's first one when it was there already;
        // and the call counted with it where asked.
        let counting = countingTheCall ? """
            counted AS (
                INSERT INTO sandbox_calls (idempotency_key, calls) VALUES ($1, 1)
                ON CONFLICT (idempotency_key) DO UPDATE SET calls = sandbox_calls.calls + 1),

            """ : ""
        return try db.query(
            """
            WITH \(counting)inserted AS (
                INSERT INTO sandbox_charges (idempotency_key, reference, outcome, decline_reason, last4, amount, currency)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING outcome, reference, last4, decline_reason)
            SELECT outcome, reference, last4, decline_reason FROM inserted
            UNION ALL
            SELECT outcome, reference, last4, decline_reason FROM sandbox_charges
            WHERE idempotency_key = $1 AND NOT EXISTS (SELECT FROM inserted)
            """,
            request.idempotencyKey, "ch_sandbox_\(UUID.random().lowercasedString.prefix(18))",
            declined == nil ? "captured" : "declined", declined?.rawValue, card.last4, request.amount, request.currency
        ).first.map(outcome)!
    }

    private static func recordRefund(_ db: PostgresConnection, _ request: RefundRequest) throws -> RefundOutcome {
        try db.transaction {
            if let done = try db.query("SELECT reference FROM sandbox_refunds WHERE idempotency_key = $1", request.idempotencyKey).first {
                return .refunded(reference: try done.decode(String.self, column: "reference"))
            }
            guard let charge = try db.query(
                "SELECT amount FROM sandbox_charges WHERE reference = $1 AND outcome = 'captured' FOR UPDATE",
                request.chargeReference).first else {
                return .refused("no captured charge \(request.chargeReference)")
            }
            let captured = try charge.decode(Int.self, column: "amount")
            let refunded = try db.query("SELECT coalesce(sum(amount), 0) AS refunded FROM sandbox_refunds WHERE charge_reference = $1",
                                        request.chargeReference).first!.decode(Int.self, column: "refunded")
            guard refunded + request.amount <= captured else {
                return .refused("refund of \(request.amount) exceeds the \(captured - refunded) left of the charge")
            }
            let reference = "re_sandbox_\(UUID.random().lowercasedString.prefix(18))"
            try db.execute(
                "INSERT INTO sandbox_refunds (idempotency_key, charge_reference, amount, reference) VALUES ($1, $2, $3, $4)",
                request.idempotencyKey, request.chargeReference, request.amount, reference)
            return .refunded(reference: reference)
        }
    }

    private static func outcome(_ row: PostgresRow) throws -> ChargeOutcome {
        let last4 = try row.decode(String?.self, column: "last4")
        if try row.decode(String.self, column: "outcome") == "captured" {
            return .captured(reference: try row.decode(String.self, column: "reference"), last4: last4 ?? "0000")
        }
        let reason = PaymentDeclined.Reason(rawValue: try row.decode(String?.self, column: "decline_reason") ?? "") ?? .cardDeclined
        return .declined(reason, last4: last4)
    }

    // MARK: Plumbing

    /// Runs `body` on the sandbox's connection; a database failure is the provider failing.
    private func provider<T>(_ body: (PostgresConnection) throws -> T) throws(GatewayError) -> T {
        lock.lock()
        defer { lock.unlock() }
        do {
            if connection == nil || connection?.isHealthy == false {
                connection?.close()
                connection = try PostgresConnection(database, logger: logger)
            }
            return try body(connection!)
        } catch {
            connection?.close()
            connection = nil
            throw .unavailable("sandbox ledger: \(error)")
        }
    }

    private func pause(_ duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
    }
}
