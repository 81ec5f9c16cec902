import Foundation

/// Every confirmed booking reached the drill's webhook endpoint as a signed `booking.confirmed.v1`
/// POST that it accepted. Delivery is at least once (Consumers/Webhooks/Delivery/EndpointSender.swift):
/// a sender that dies between its POST and recording it sends the event again, so copies are
/// expected after a kill of a webhooks process or a PostgreSQL restart. Copies are counted and
/// reported, not failed; but every POST of one booking's event must carry the same webhook-id,
/// the event's envelope id, or the receiver could not fold the copies into one.
enum WebhookCheck {
    /// How far from a fault the first copy of a duplicate may have been sent to count as caused
    /// by it: webhook-timestamp is in whole seconds, and the sender records a delivery right
    /// after its POST.
    static let faultWindow = 5.0

    /// One line of the receiver's log (Tests/HTTPReceivers/webhook_receiver.py).
    struct Request: Decodable {
        var id: String?
        var timestamp: String?
        /// nil when the request carried no signature headers at all.
        var signatureValid: Bool?
        var status: Int
        var body: String
    }

    /// A copy sent more than once: its webhook-id, how many POSTs, and when the first was signed.
    struct Duplicate: Equatable {
        var webhookId: String
        var copies: Int
        var firstAt: Double?
    }

    /// What the receiver's requests come to against the drill's confirmed bookings.
    struct Tally: Equatable {
        var requests = 0
        /// Confirmed bookings without an accepted, validly signed booking.confirmed.v1 POST.
        var missing: [String] = []
        /// Requests whose signature did not verify under the endpoint's secret, or that had none.
        var badSignatures: [String] = []
        /// Bookings whose event came under more than one webhook-id.
        var splitIds: [String] = []
        /// Requests whose webhook-id is not the id of the envelope they carry.
        var foreignIds: [String] = []
        var duplicates: [Duplicate] = []
        /// Requests the receiver did not answer 200 (the drill's endpoint always does).
        var notAccepted = 0
        /// booking.confirmed.v1 events of bookings that are not the drill's confirmed ones.
        var otherBookings = 0

        var passed: Bool { missing.isEmpty && badSignatures.isEmpty && splitIds.isEmpty && foreignIds.isEmpty }
    }

    /// The pure part of the check: the receiver's requests against the confirmed booking ids.
    static func tally(_ requests: [Request], confirmed: [String]) -> Tally {
        var tally = Tally(requests: requests.count)
        var delivered = Set<String>(), idsByBooking: [String: Set<String>] = [:]
        var copies: [String: (count: Int, firstAt: Double?)] = [:], order: [String] = []
        let wanted = Set(confirmed.map { $0.lowercased() })
        for (index, request) in requests.enumerated() {
            let envelope = try? JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any]
            let name = request.id ?? "request \(index + 1) without a webhook-id"
            if request.signatureValid != true {
                tally.badSignatures.append("\(name) (\(request.signatureValid == nil ? "unsigned" : "signature does not verify"))")
            }
            if request.status != 200 { tally.notAccepted += 1 }
            if let id = request.id {
                if copies[id] == nil { order.append(id) }
                copies[id, default: (0, request.timestamp.flatMap { Double($0) })].count += 1
            }
            if let envelopeId = envelope?["id"] as? String, envelopeId != request.id {
                tally.foreignIds.append("\(name) carries envelope \(envelopeId)")
            }
            guard envelope?["type"] as? String == "booking.confirmed.v1",
                  let booking = ((envelope?["data"] as? [String: Any])?["bookingId"] as? String)?.lowercased() else { continue }
            guard wanted.contains(booking) else { tally.otherBookings += 1; continue }
            if let id = request.id { idsByBooking[booking, default: []].insert(id) }
            if request.status == 200, request.signatureValid == true { delivered.insert(booking) }
        }
        tally.missing = confirmed.map { $0.lowercased() }.filter { !delivered.contains($0) }
        tally.splitIds = idsByBooking.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }
            .map { "\($0.key) (\($0.value.sorted().joined(separator: ", ")))" }
        tally.duplicates = order.compactMap { id in
            copies[id].flatMap { $0.count > 1 ? Duplicate(webhookId: id, copies: $0.count, firstAt: $0.firstAt) : nil }
        }
        return tally
    }

    /// The duplicates whose first copy was sent near a kill of a webhooks process or a
    /// PostgreSQL restart: the faults that can come between a POST and its record.
    static func nearFault(_ duplicates: [Duplicate], _ faults: [DrillFault]) -> Int {
        let times = faults.filter { ($0.fault == "sigkill" && $0.target.hasPrefix("webhooks-")) || $0.target == "postgres" }.map(\.at)
        return duplicates.filter { duplicate in
            duplicate.firstAt.map { first in times.contains { abs($0 - first) <= faultWindow } } ?? false
        }.count
    }

    /// The receiver's log, a JSON object a line.
    static func read(_ path: String) throws -> [Request] {
        let decoder = JSONDecoder()
        return try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline).enumerated().map { number, line in
            do {
                return try decoder.decode(Request.self, from: Data(line.utf8))
            } catch {
                throw DrillCheckError("line \(number + 1) of \(path) is not a request the webhook receiver logged: \(error)")
            }
        }
    }

    static func run(_ database: DrillDatabase, _ load: DrillRecord, _ faults: [DrillFault], webhookId: String, log: String,
                    _ verdicts: DrillVerdicts) throws {
        let confirmed = try database.rows(in: "bookings",
            "SELECT booking_id FROM bookings.bookings WHERE customer_id = ANY($1::uuid[]) AND state = 'confirmed'",
            [load.customers]).map { $0[0] }
        let tally = Self.tally(try read(log), confirmed: confirmed)
        // The context's own record of each booking's delivery, to tell a missing one's story:
        // no row means the event never reached the endpoint's deliveries.
        var ledger: [String: String] = [:], states: [String: Int] = [:]
        for row in try database.rows(in: "webhooks", """
            SELECT ev.body::json -> 'data' ->> 'bookingId', d.state, d.attempts, coalesce(d.last_error, '')
            FROM webhooks.webhook_deliveries d JOIN webhooks.webhook_events ev USING (message_id)
            WHERE d.webhook_id = $1::uuid AND ev.message_type = 'booking.confirmed.v1'
            """, [webhookId]) {
            ledger[row[0].lowercased()] = "\(row[1]), \(row[2]) attempts\(row[3].isEmpty ? "" : ", \(row[3])")"
            states[row[1], default: 0] += 1
        }
        let missing = tally.missing.map { "\($0) (deliveries: \(ledger[$0] ?? "no row"))" }
        var problems: [String] = []
        if !missing.isEmpty { problems.append("\(missing.count) confirmed bookings without an accepted, signed booking.confirmed.v1 POST, e.g. \(sample(missing, 3))") }
        if !tally.badSignatures.isEmpty { problems.append("\(tally.badSignatures.count) POSTs without a valid signature, e.g. \(sample(tally.badSignatures, 3))") }
        if !tally.splitIds.isEmpty { problems.append("\(tally.splitIds.count) bookings whose event came under two webhook-ids, e.g. \(sample(tally.splitIds, 3))") }
        if !tally.foreignIds.isEmpty { problems.append("\(tally.foreignIds.count) POSTs whose webhook-id is not their event's id, e.g. \(sample(tally.foreignIds, 3))") }
        var detail = problems.isEmpty
            ? "\(confirmed.count) confirmed bookings, missing 0: each has its signed booking.confirmed.v1 POST, one webhook-id each (\(tally.requests) POSTs received)"
            : problems.joined(separator: "; ")
        let near = nearFault(tally.duplicates, faults)
        detail += "; duplicates \(tally.duplicates.count) (same webhook-id each)"
        if !tally.duplicates.isEmpty {
            detail += ", \(near) near a kill of a webhooks process or a PostgreSQL restart, \(tally.duplicates.count - near) not, e.g. "
                + sample(tally.duplicates.map { "\($0.webhookId) (\($0.copies))" }, 3)
        }
        if tally.notAccepted > 0 { detail += "; \(tally.notAccepted) POSTs not answered 200" }
        verdicts.add("webhooks", passed: tally.passed, detail, facts: [
            "requests": tally.requests, "missing": missing, "badSignatures": tally.badSignatures, "splitIds": tally.splitIds,
            "foreignIds": tally.foreignIds, "duplicates": tally.duplicates.map { ["webhookId": $0.webhookId, "copies": $0.copies] },
            "duplicatesNearFault": near, "deliveryStates": states, "otherBookings": tally.otherBookings,
        ])
    }
}
