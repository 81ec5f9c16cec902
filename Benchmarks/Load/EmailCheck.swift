import Foundation

/// Every confirmed booking has its confirmation email: delivery is at least once
/// (Consumers/Notifications/README.md), so none may be missing, and none may be left in doubt
/// (ledger `sending`) once the fleet is quiet. A duplicate is expected only when a notifications
/// process was killed inside the SMTP exchange (the email is sent again after the grace period,
/// not knowing whether the server took it): duplicates are reported, and fail the check only when
/// their copies carry different Message-IDs (mail clients could not fold them).
enum EmailCheck {
    /// How long after its claim a kill can still catch an email in the middle of its SMTP exchange:
    /// the exchange takes well under a second with the sink there, and a refused connection fails
    /// at once; 5 s is the mailer's connect timeout.
    static let inExchangeWindow = 5.0

    static func run(_ database: DrillDatabase, _ load: DrillRecord, _ faults: [DrillFault], mail: SinkMail, _ verdicts: DrillVerdicts) throws {
        let confirmed = try database.rows(in: "bookings",
            "SELECT booking_id FROM bookings.bookings WHERE customer_id = ANY($1::uuid[]) AND state = 'confirmed'",
            [load.customers]).map { $0[0] }
        var ledger: [String: (state: String, attempts: String)] = [:]
        for row in try database.rows(in: "notifications", """
            SELECT booking_id, state, attempts FROM notifications.deliveries
            WHERE kind = 'booking-confirmed' AND booking_id = ANY($1::uuid[])
            """, [confirmed]) {
            ledger[row[0]] = (row[1], row[2])
        }
        let inDoubt = try database.rows(in: "notifications",
            "SELECT delivery_key FROM notifications.deliveries WHERE state = 'sending' AND customer_id = ANY($1::uuid[])",
            [load.customers]).map { $0[0] }
        let missing = confirmed.filter { mail.byKey["booking:\($0):booking-confirmed:1"] == nil }.map { booking in
            let entry = ledger[booking] ?? ("no ledger row", "0")
            return "\(booking) (ledger: \(entry.state), \(entry.attempts) attempts)"
        }
        let kills = faults.filter { $0.fault == "sigkill" && $0.target.hasPrefix("notifications-") }.map(\.at)
        var duplicates: [String] = [], foldedApart: [String] = [], nearKill = 0
        for (key, copies) in mail.byKey.sorted(by: { $0.key < $1.key }) where copies.count > 1 {
            duplicates.append("\(key) (\(copies.count))")
            if let arrived = copies[0].arrived, kills.contains(where: { abs($0 - arrived) <= inExchangeWindow }) { nearKill += 1 }
            let messageIds = Set(copies.map(\.messageId))
            if messageIds.count > 1 { foldedApart.append("\(key) (\(messageIds.sorted().joined(separator: ", ")))") }
        }
        let confirmationDuplicates = duplicates.filter { $0.contains(":booking-confirmed:") }.count
        let sent = mail.byKey.values.reduce(0) { $0 + $1.count }
        var problems: [String] = []
        if !missing.isEmpty { problems.append("\(missing.count) confirmed bookings without a confirmation email, e.g. \(sample(missing, 3))") }
        if !inDoubt.isEmpty {
            problems.append("\(inDoubt.count) emails still in doubt (ledger 'sending') after the fleet was quiet: "
                + "nobody sent them again, e.g. \(sample(inDoubt, 3))")
        }
        if !foldedApart.isEmpty { problems.append("\(foldedApart.count) emails sent twice under different Message-IDs, e.g. \(sample(foldedApart, 3))") }
        var detail = problems.isEmpty
            ? "\(confirmed.count) confirmed bookings, missing 0: each has its confirmation email (\(sent) emails written during the drill)"
            : problems.joined(separator: "; ")
        detail += "; duplicates \(duplicates.count) (\(confirmationDuplicates) confirmations), same Message-ID each"
        if !duplicates.isEmpty {
            detail += ", \(nearKill) near a kill of a notifications process, \(duplicates.count - nearKill) not, e.g. \(sample(duplicates, 3))"
        }
        verdicts.add("emails", passed: problems.isEmpty, detail, facts: [
            "emailsWritten": sent, "missing": missing, "duplicates": duplicates, "duplicatesNearKill": nearKill, "inDoubt": inDoubt,
        ])
    }
}

/// The emails the SMTP sink wrote during the drill (.eml files not listed before it), by the
/// delivery key the fleet puts in `X-Airfleet-Delivery`.
struct SinkMail {
    struct Copy {
        let file: String
        let messageId: String
        /// When the sink took it, from the file's name (`20260101T120000.123456Z-…`, UTC).
        let arrived: Double?
    }

    private(set) var byKey: [String: [Copy]] = [:]

    init(folder: String, before listing: String) throws {
        let known = Set(try String(contentsOfFile: listing, encoding: .utf8).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) })
        for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        where name.hasSuffix(".eml") && !known.contains(name) {
            let headers = Self.headers(of: try Data(contentsOf: URL(fileURLWithPath: folder).appendingPathComponent(name)))
            // An empty field counts as none, so copies without a Message-ID never look alike.
            func field(_ name: String) -> String? { headers[name].flatMap { $0.isEmpty ? nil : $0 } }
            let messageId = field("message-id") ?? name
            byKey[field("x-airfleet-delivery") ?? "message-id:\(messageId)", default: []]
                .append(Copy(file: name, messageId: messageId, arrived: Self.arrival(name)))
        }
    }

    /// The header fields before the first empty line, unfolded, by lowercased name.
    static func headers(of message: Data) -> [String: String] {
        var fields: [String: String] = [:]
        var last: String?
        // Split on bytes: as Characters, CR LF is one, which is neither CR nor LF.
        for bytes in message.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let text = String(decoding: bytes.last == UInt8(ascii: "\r") ? bytes.dropLast() : bytes[...], as: UTF8.self)
            if text.isEmpty { break }
            if text.first == " " || text.first == "\t", let name = last {
                fields[name, default: ""] += " " + text.trimmingCharacters(in: .whitespaces)
            } else if let colon = text.firstIndex(of: ":") {
                let name = text[..<colon].lowercased()
                // The first of a repeated field counts, as mail readers take it.
                guard fields[name] == nil else { last = nil; continue }
                fields[name] = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                last = name
            }
        }
        return fields
    }

    static func arrival(_ fileName: String) -> Double? {
        let stamp = Array(fileName.utf8.prefix(15))
        guard stamp.count == 15, stamp[8] == UInt8(ascii: "T") else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: stamp[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return calendar.date(from: parts)?.timeIntervalSince1970
    }
}
