import Contracts
import Foundation
@testable import Notifications
import XCTest

/// Pure logic: reminder times, delivery keys, local times, every template rendering.
final class DomainTests: XCTestCase {
    func testRemindersAreDueAt24And2HoursBeforeDeparture() {
        let departure = Date(timeIntervalSince1970: 2_000_000_000)
        let owed = ReminderSchedule.owed(departure: departure)
        XCTAssertEqual(owed.map(\.kind), [.reminder24h, .reminder2h])
        XCTAssertEqual(owed.map(\.dueAt), [departure.addingTimeInterval(-24 * 3600), departure.addingTimeInterval(-2 * 3600)])
    }

    func testDeliveryKeysAndMessageIdsDeriveFromWhatTheEmailIsAbout() {
        let id = UUID(uuidString: "9A1D2F30-7B4E-4C8A-A1F2-6E5D4C3B2A10")!
        let key = DeliveryKey(.booking(id), .flightDelayed, occurrence: DeliveryKey.occurrence(of: Date(timeIntervalSince1970: 1_800_000_000)))
        XCTAssertEqual(key.description, "booking:9a1d2f30-7b4e-4c8a-a1f2-6e5d4c3b2a10:flight-delayed:1800000000")
        XCTAssertEqual(key.messageId(domain: "airfleet.dev"), "flight-delayed.1800000000.b.9a1d2f30-7b4e-4c8a-a1f2-6e5d4c3b2a10@airfleet.dev")
        XCTAssertEqual(DeliveryKey(.subscription(id), .gateChanged, occurrence: "B 12<x>").occurrence, "B_12_x_",
                       "occurrences cannot break a Message-ID")
    }

    func testLocalTimesNameTheAirportsZone() {
        let date = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18 11:06:40 UTC
        XCTAssertEqual(EmailFormatting.localTime(date, timeZone: "Europe/Paris"), "Wed 18 Nov 2026, 12:06 (GMT+1, Europe/Paris)")
        XCTAssertEqual(EmailFormatting.localTime(date, timeZone: "Asia/Kolkata"), "Wed 18 Nov 2026, 16:36 (GMT+5:30, Asia/Kolkata)")
        XCTAssertEqual(EmailFormatting.localTime(date, timeZone: nil), "Wed 18 Nov 2026, 11:06 (GMT, UTC)")
        XCTAssertEqual(EmailFormatting.money(123_450, currency: "EUR"), "EUR 1,234.50")
        XCTAssertEqual(EmailFormatting.money(5, currency: "USD"), "USD 0.05")
        XCTAssertEqual(EmailFormatting.money(-123_456_789, currency: "GBP"), "GBP -1,234,567.89")
        XCTAssertEqual(EmailFormatting.money(100_000, currency: nil), "1,000.00")
        XCTAssertEqual(EmailFormatting.localTime(date, timeZone: "Not/A_Zone"), "Wed 18 Nov 2026, 11:06 (GMT, UTC)")
        XCTAssertEqual(EmailFormatting.localTime(date, timeZone: "Europe/Paris"), "Wed 18 Nov 2026, 12:06 (GMT+1, Europe/Paris)",
                       "a formatter made once gives the same answer the second time")
    }

    func testTrimmingTakesTheWhiteSpaceAtEitherEndAndKeepsTheRest() {
        XCTAssertEqual(" \n\t Your booking  K7QZ2M\u{00A0}\r\n".trimmingWhitespace(), "Your booking  K7QZ2M")
        XCTAssertEqual("<p>a</p>\n\n<p>b</p>".trimmingWhitespace(), "<p>a</p>\n\n<p>b</p>")
        XCTAssertEqual(" \n ".trimmingWhitespace(), "")
        XCTAssertEqual("".trimmingWhitespace(), "")
        XCTAssertEqual(" café ".trimmingWhitespace(), "café")
    }

    func testTidyingDropsBlankLinesAtEitherEndAndKeepsOneBlankLineInARow() {
        XCTAssertEqual(NotificationTemplates.tidy("\n \t\nDear Ana,\n\n  \n\r\nYour flight\u{00A0}leaves.\n\u{00A0}\n\nSee you\n \n"),
                       "Dear Ana,\n\nYour flight\u{00A0}leaves.\n\nSee you\n")
        XCTAssertEqual(NotificationTemplates.tidy("Zürich ✈︎\n東京"), "Zürich ✈︎\n東京\n")
        XCTAssertEqual(NotificationTemplates.tidy(" \n\n"), "\n")
    }

    func testEveryKindRendersASubjectATextAndAnHTMLBody() throws {
        let templates = try NotificationTemplates()
        for kind in NotificationKind.allCases {
            let email = try templates.render(kind, SampleEmails.model(kind))
            XCTAssertFalse(email.subject.isEmpty, "\(kind)")
            XCTAssertFalse(email.subject.contains("{{"), "\(kind): \(email.subject)")
            XCTAssertTrue(email.text.hasPrefix("Hello Zoë Ångström,"), "\(kind): \(email.text)")
            XCTAssertTrue(email.text.contains("AF1234"), "\(kind): \(email.text)")
            XCTAssertTrue(email.html.contains("<p>Hello Zoë Ångström,</p>"), "\(kind): \(email.html)")
            XCTAssertFalse(email.text.contains("&"), "the text part is not HTML-escaped: \(kind)")
        }
        let confirmed = try templates.render(.bookingConfirmed, SampleEmails.model(.bookingConfirmed))
        XCTAssertTrue(confirmed.text.contains("Departure: Wed 18 Nov 2026, 12:06 (GMT+1, Europe/Paris)"), confirmed.text)
        XCTAssertTrue(confirmed.text.contains("Total paid: EUR 1,234.50"), confirmed.text)
        XCTAssertTrue(confirmed.html.contains("<td>Zoë Ångström</td><td>12A</td><td>9991234567897</td>"), confirmed.html)
    }

    func testTemplateValuesAreEscapedInHTML() throws {
        var model = SampleEmails.model(.bookingFailed)
        model["detail"] = "<script>alert(1)</script>"
        let email = try NotificationTemplates().render(.bookingFailed, model)
        XCTAssertFalse(email.html.contains("<script>"))
        XCTAssertTrue(email.text.contains("<script>alert(1)</script>"))
    }
}
