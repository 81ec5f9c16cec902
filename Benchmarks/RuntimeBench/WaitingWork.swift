import Contracts
import Fleet
import Foundation
import Logging
import Postgres

/// Work that waits on the outside world, for the scaling benchmark of ops/bench: charges for the
/// payments context (the sandbox provider told to take its time) or booking confirmations for
/// notifications (an SMTP server that answers slowly). Publishes them all at once, then counts
/// until each has its outcome in the context's tables, and returns how many finished a second.
enum WaitingWork {
    enum Kind: String {
        case payments, notifications
    }

    static func run(_ kind: Kind, count: Int) throws -> Double {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let configuration = try FleetConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
        let schema = "\"\(configuration.schema(for: kind.rawValue))\""
        let database = try PostgresConnection(try configuration.database(for: kind.rawValue), logger: logger)
        defer { database.close() }
        let bookings = (0..<count).map { _ in UUID() }
        let messages: [OutgoingMessage]
        let finished: String
        switch kind {
        case .payments:
            messages = try bookings.map { booking in
                try OutgoingMessage.make(
                    ChargePayment(bookingId: booking, customerId: UUID(), amount: 12_000, currency: "EUR", paymentToken: "tok_visa",
                                  description: "airfleet-bench", holdExpiresAt: Date().addingTimeInterval(3600)),
                    source: "airfleet/bench", subject: booking.lowercasedString)
            }
            finished = "SELECT count(*) FROM \(schema).payments WHERE booking_id = ANY($1::uuid[]) AND state <> 'pending'"
        case .notifications:
            // A flight the read model knows, far enough ahead that no reminder falls due meanwhile.
            guard let flight = try database.query(
                "SELECT flight_id FROM \(schema).flights WHERE departure > now() + interval '3 days' ORDER BY departure LIMIT 1"
            ).first?.decode(UUID.self, at: 0) else {
                throw FleetError("notifications knows no flight three days ahead; has ops/up seeded the schedule?")
            }
            let passenger = BookedPassenger(firstName: "Bench", lastName: "Traveller", dateOfBirth: "1990-01-01", seat: "12A",
                                            ticketNumber: "9990000000000")
            messages = try bookings.enumerated().map { index, booking in
                try OutgoingMessage.make(
                    BookingConfirmed(bookingId: booking, customerId: UUID(), flightId: flight, pnr: "BENCH\(index % 10)", cabin: .economy,
                                     passengers: [passenger], total: 12_000, currency: "EUR",
                                     contactEmail: "bench-\(index)@example.com", confirmedAt: Date()),
                    source: "airfleet/bench", subject: booking.lowercasedString)
            }
            finished = "SELECT count(*) FROM \(schema).deliveries WHERE booking_id = ANY($1::uuid[]) AND state = 'sent'"
        }
        let publisher = try Publisher(amqp: configuration.amqp, topology: nil, source: "airfleet/bench", logger: logger)
        defer { publisher.close() }
        let started = ContinuousClock.now
        for start in stride(from: 0, to: messages.count, by: 500) {
            let receipts = try publisher.publish(Array(messages[start..<min(start + 500, messages.count)]))
            if let lost = receipts.first(where: { $0.outcome != .delivered }) {
                throw FleetError("\(lost.type) was not delivered: \(lost.outcome); is the fleet's topology declared?")
            }
        }
        var done = 0
        while done < count {
            Thread.sleep(forTimeInterval: 0.05)
            done = try database.query(finished, bookings).first?.decode(Int.self, at: 0) ?? 0
            if ContinuousClock.now - started > .seconds(600) { throw FleetError("\(kind.rawValue): \(done) of \(count) done after 600 s") }
        }
        return Double(count) / (ContinuousClock.now - started).seconds
    }
}
