import Contracts
import Fleet
import Foundation
import Postgres

/// What a batch of seat holds and confirmations reads ahead (`ContextDefinition.withReadAhead`),
/// in one round trip: each flight they touch, locked in the order of the flights' ids, the flight
/// of each hold to confirm, and which of the holds asked for exist already. Each hold then skips
/// the round trip that locked its flight, and each confirmation the one that found its flight.
///
/// Only for a batch of nothing but holds and confirmations: they change holds, seats and cabins,
/// never a flight's row nor the flight a hold belongs to, so those are shared by the batch; only
/// "this hold exists" changes under it, and is taken once. A cabin's seats are not read ahead: a
/// batch-mate's hold or expiry changes them.
enum FlightsReadAhead {
    enum Key: Hashable {
        case flight(UUID)
        case holdKnown(UUID)
        case flightOfHold(UUID)
    }

    static func load(_ db: PostgresConnection, _ batch: [ContextDefinition.BatchMessage], into readAhead: BatchReadAhead) throws {
        var flightIds: Set<UUID> = [], asked: Set<UUID> = [], confirmed: Set<UUID> = []
        for message in batch {
            if let hold = message.data(as: HoldSeats.self) {
                flightIds.insert(hold.flightId)
                asked.insert(hold.holdId)
            } else if let confirm = message.data(as: ConfirmSeats.self) {
                confirmed.insert(confirm.holdId)
            } else {
                return
            }
        }
        guard batch.count > 1 else { return }
        let results = try db.pipeline([
            PostgresStatement(
                """
                SELECT \(FlightStore.columns) FROM flights
                WHERE flight_id = ANY($1::uuid[] || ARRAY(SELECT flight_id FROM holds WHERE hold_id = ANY($2::uuid[])))
                ORDER BY flight_id FOR UPDATE
                """, [Array(flightIds), Array(confirmed)]),
            // After the locks, so that it sees every hold made under them.
            PostgresStatement("SELECT hold_id, flight_id FROM holds WHERE hold_id = ANY($1::uuid[])", [Array(asked.union(confirmed))]),
        ])
        var known: Set<UUID> = []
        for row in results[1] {
            let holdId = try row.decode(UUID.self, column: "hold_id")
            known.insert(holdId)
            if let flightId = try row.decode(UUID?.self, column: "flight_id") { readAhead.put(flightId, for: Key.flightOfHold(holdId)) }
        }
        for holdId in asked { readAhead.put(known.contains(holdId), for: Key.holdKnown(holdId)) }
        for row in results[0] {
            let flight = try FlightStore.record(row)
            readAhead.put(flight, for: Key.flight(flight.flightId))
        }
    }
}
