import Contracts
import Fleet
import Foundation
import Postgres

/// Asks the provider for a batch's charges all at once, before the batch's transaction, so a
/// batch of charges takes about one provider call's time instead of one call's time per charge.
/// The charge handler then takes each answer instead of calling.
///
/// Only charges the payments table does not show as ended are asked for: an ended payment's
/// handler announces its outcome again without calling anyone, and so does nothing here. Every
/// call carries the key derived from the booking, so the provider answers a repeat with the first
/// result: a batch that rolls back, or a process that dies after asking, never charges twice.
final class ConcurrentCharges: @unchecked Sendable {
    /// Calls in flight at once per process; more charges in a batch wait for a free slot.
    static let maximumConcurrentCalls = 32

    private let gateway: any PaymentGateway
    private let calls: GatewayCalls
    private let threads = BlockingCallThreads(width: maximumConcurrentCalls, name: "charges")
    private let lock = NSLock()
    private var answers: [UUID: GatewayCalls.Result<ChargeOutcome>] = [:]

    init(gateway: any PaymentGateway, calls: GatewayCalls) {
        self.gateway = gateway
        self.calls = calls
    }

    /// The prepared answer for a booking's charge, once; nil when there is none.
    func take(_ bookingId: UUID) -> GatewayCalls.Result<ChargeOutcome>? {
        lock.withLock { answers.removeValue(forKey: bookingId) }
    }

    func prepare(_ database: PostgresConnection, _ batch: [ContextDefinition.BatchMessage]) {
        let charges = batch.compactMap { message in message.data(as: ChargePayment.self).map { (command: $0, trace: message.trace) } }
        // Answers the last batch's handlers did not take (a duplicate, a retry) are stale now.
        lock.withLock { answers.removeAll() }
        // One charge gains nothing from company; it is called inside its handler as always.
        guard charges.count > 1 else { return }
        let ended: Set<UUID>
        do {
            ended = Set(try database.query(
                "SELECT booking_id FROM payments WHERE booking_id = ANY($1::uuid[]) AND state <> 'pending'",
                [charges.map { $0.command.bookingId.lowercasedString }]).map { try $0.decode(UUID.self, at: 0) })
        } catch {
            return  // The handlers meet whatever this was on their own.
        }
        var seen = Set<UUID>()
        let pending = charges.filter { !ended.contains($0.command.bookingId) && seen.insert($0.command.bookingId).inserted }
        let results = threads.map(pending) { [gateway, calls] charge, trace in
            let request = ChargeRequest(idempotencyKey: PaymentStore.chargeKey(charge.bookingId), token: charge.paymentToken,
                                        amount: charge.amount, currency: charge.currency, description: charge.description)
            return calls.run("charge", in: trace) { () throws(GatewayError) in try gateway.charge(request) }
        }
        lock.withLock {
            for (charge, answer) in zip(pending, results) { answers[charge.command.bookingId] = answer }
        }
    }
}
