import AMQP
import Contracts
import Fleet
import FleetTestSupport
import Foundation
import Notifications
import XCTest

/// The SMTP server away while bookings confirm: the retry ladder, the dead letters, and a
/// replay once it is back that sends each email exactly once.
final class OutageTests: NotificationsTestCase {
    override var sinkStartsUp: Bool { false }

    func testMailDuringAnOutageClimbsTheLadderRestsInTheDeadLettersAndIsSentOnceOnReplay() throws {
        try startConsumer()
        let flight = flight(departingIn: hours(72))
        try publish(FlightScheduled(flight: flight))
        let bookings = (1...3).map { confirmed(flight, email: "traveller\($0)@example.com") }
        for booking in bookings { try publish(booking) }

        var letters: [AMQPDelivery] = []
        try fleet.eventually("the confirmations are dead-lettered after the ladder", timeout: .seconds(30)) {
            letters += try deadLetters()
            return letters.count >= 3
        }
        XCTAssertEqual(letters.count, 3)
        for letter in letters {
            XCTAssertEqual(letter.properties.headers[FailureHeaders.errorKind]?.stringValue, "retries-exhausted")
            XCTAssertEqual(letter.properties.headers[FailureHeaders.attempts]?.intValue, 3, "first try and two rungs")
        }
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(schema).deliveries WHERE state = 'retrying' AND attempts = 3"), 3)

        try sink.start()
        // Replay: the dead letters' bodies go back onto the context's queue.
        try fleet.publishRaw(letters.map { (String(decoding: $0.body, as: UTF8.self), $0.properties.type) },
                             to: Topology.queue(of: NotificationsContext.name))
        let mail = try waitForMail(3, "confirmations after the replay")
        XCTAssertEqual(Set(mail.map(\.recipient)), Set(bookings.map(\.contactEmail)))

        // Replayed again, and re-published under new ids: nothing is sent twice.
        try fleet.publishRaw(letters.map { (String(decoding: $0.body, as: UTF8.self), $0.properties.type) },
                             to: Topology.queue(of: NotificationsContext.name))
        for booking in bookings { try publish(booking) }
        try fleet.eventually("the queue is empty") { try fleet.totalMessages("airfleet.notifications") == 0 }
        settle()
        XCTAssertEqual(try sink.messages().count, 3)
        XCTAssertEqual(try fleet.integer("SELECT count(*) FROM \(schema).deliveries WHERE state = 'sent'"), 3)
    }
}
