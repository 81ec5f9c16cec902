import Foundation
import SMTP
import Settings
import XCTest

/// Building messages: encodings, CRLF, the MIME structure. No network.
final class MailMessageTests: XCTestCase {
    private func sample(subject: String = "Booking K7QZ2M confirmed", name: String? = "Zoë Ångström") -> MailMessage {
        MailMessage(from: MailAddress("no-reply@airfleet.local", name: "Airfleet"), to: MailAddress("zoe@example.com", name: name),
                    subject: subject, text: "Hello Zoë Ångström,\nyour seat is 12A.\n", html: "<p>Hello Zoë Ångström</p>\n",
                    messageId: "booking-confirmed.1.b.42@airfleet.local", date: Date(timeIntervalSince1970: 1_795_000_000))
    }

    private func headers(_ data: Data) -> [String: String] {
        let text = String(decoding: data, as: UTF8.self)
        let head = text.components(separatedBy: "\r\n\r\n")[0].replacingOccurrences(of: "\r\n ", with: " ")
        var result: [String: String] = [:]
        for line in head.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            result[String(line[..<colon])] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
        return result
    }

    func testNonASCIIDisplayNamesAndSubjectsAreEncodedWordsThatDecodeBackIntact() throws {
        let data = sample(subject: "Zoë Ångström, your flight leaves tomorrow – gate K42").rendered()
        let head = headers(data)
        XCTAssertEqual(head["To"], "=?UTF-8?B?\(Data("Zoë Ångström".utf8).base64EncodedString())?= <zoe@example.com>")
        XCTAssertEqual(head["From"], "Airfleet <no-reply@airfleet.local>")
        let subject = try XCTUnwrap(head["Subject"])
        let words = subject.split(separator: " ")
        XCTAssertGreaterThan(words.count, 1, "a long subject is split into several encoded words")
        let decoded = try words.map { word -> String in
            XCTAssertLessThanOrEqual(word.count, 75, "RFC 2047 limits an encoded word to 75 characters")
            XCTAssertTrue(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let payload = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))!
            return try XCTUnwrap(String(data: payload, encoding: .utf8), "each word holds whole UTF-8 characters")
        }.joined()
        XCTAssertEqual(decoded, "Zoë Ångström, your flight leaves tomorrow – gate K42")
    }

    func testASCIIHeadersStayReadableAndSpecialsAreQuoted() {
        XCTAssertEqual(MIMEEncoding.headerText("Booking K7QZ2M confirmed"), "Booking K7QZ2M confirmed")
        XCTAssertEqual(MailAddress("a@b.c", name: "Dupont, Jean").headerValue, "\"Dupont, Jean\" <a@b.c>")
        XCTAssertEqual(MailAddress("a@b.c").headerValue, "<a@b.c>")
    }

    func testEveryLineEndsInCRLFAndTheStandardHeadersArePresent() {
        let data = sample().rendered()
        let bytes = [UInt8](data)
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            XCTAssertEqual(index > 0 ? bytes[index - 1] : 0, 0x0D, "a bare LF at byte \(index)")
        }
        let head = headers(data)
        XCTAssertEqual(head["Date"], "Wed, 18 Nov 2026 11:06:40 +0000")
        XCTAssertEqual(head["Message-ID"], "<booking-confirmed.1.b.42@airfleet.local>")
        XCTAssertEqual(head["MIME-Version"], "1.0")
        XCTAssertTrue(head["Content-Type"]?.hasPrefix("multipart/alternative; boundary=") ?? false)
        XCTAssertTrue(data.allSatisfy { $0 < 0x80 }, "the whole message is 7-bit: bodies are quoted-printable")
    }

    func testMultipartAlternativeHoldsTheTextPartFirstThenTheHTMLPart() {
        let text = String(decoding: sample().rendered(boundary: "BOUNDARY"), as: UTF8.self)
        let plain = text.range(of: "--BOUNDARY\r\nContent-Type: text/plain; charset=UTF-8")
        let html = text.range(of: "--BOUNDARY\r\nContent-Type: text/html; charset=UTF-8")
        XCTAssertNotNil(plain)
        XCTAssertNotNil(html)
        XCTAssertLessThan(plain!.lowerBound, html!.lowerBound)
        XCTAssertTrue(text.hasSuffix("--BOUNDARY--\r\n"))
        XCTAssertTrue(text.contains("Hello Zo=C3=AB =C3=85ngstr=C3=B6m,\r\nyour seat is 12A."))
    }

    func testTheSameMessageRendersToTheSameBytes() {
        XCTAssertEqual(sample().rendered(), sample().rendered(), "a resend must be recognisable as the same message")
    }

    func testQuotedPrintableBreaksLongLinesSoftlyAndEncodesTrailingSpace() {
        let encoded = MIMEEncoding.quotedPrintable(String(repeating: "é", count: 40) + " \n")
        for line in encoded.components(separatedBy: "\r\n") { XCTAssertLessThanOrEqual(line.count, 76) }
        XCTAssertTrue(encoded.contains("=\r\n"))
        XCTAssertTrue(encoded.hasSuffix("=20\r\n"), encoded)
        let joined = encoded.replacingOccurrences(of: "=\r\n", with: "")
        XCTAssertTrue(joined.hasPrefix(String(repeating: "=C3=A9", count: 40)))
    }

    func testQuotedPrintableKeepsLineEndsAndEncodesWhatIsNotPrintable() {
        XCTAssertEqual(MIMEEncoding.quotedPrintable("a=b\r\nc\rd\ne"), "a=3Db\r\nc\r\nd\r\ne")
        XCTAssertEqual(MIMEEncoding.quotedPrintable("tab\t\nspace \r\nend "), "tab=09\r\nspace=20\r\nend=20")
        XCTAssertEqual(MIMEEncoding.quotedPrintable("in the middle\tand here"), "in the middle\tand here")
        XCTAssertEqual(MIMEEncoding.quotedPrintable(""), "")
        XCTAssertEqual(MIMEEncoding.quotedPrintable("\n\n"), "\r\n\r\n")
        // A soft break never splits an escape: 74 letters, then "=3D" would pass 75.
        let encoded = MIMEEncoding.quotedPrintable(String(repeating: "a", count: 74) + "=")
        XCTAssertEqual(encoded, String(repeating: "a", count: 74) + "=\r\n=3D")
    }

    func testDatesAreRFC5322InUTCAcrossCenturiesLeapDaysAndBefore1970() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        var instants: [TimeInterval] = [0, -1, 86_399.999, 951_782_400, 951_868_799, 4_107_542_400, -2_208_988_800, 1_795_000_000.75]
        var step: TimeInterval = -3_000_000_000
        while step < 5_000_000_000 {
            instants.append(step)
            step += 7_919_993.37
        }
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            XCTAssertEqual(MIMEEncoding.date(date), formatter.string(from: date), "at \(instant)")
        }
    }

    func testNamesWithSpecialsAreQuotedWithTheirQuotesAndBackslashesEscaped() {
        XCTAssertEqual(MIMEEncoding.phrase("Jean \"JJ\" Dupont"), "\"Jean \\\"JJ\\\" Dupont\"")
        XCTAssertEqual(MIMEEncoding.phrase("back\\slash"), "\"back\\\\slash\"")
        XCTAssertEqual(MIMEEncoding.phrase("O'Brien-Smith"), "O'Brien-Smith")
        XCTAssertEqual(MIMEEncoding.phrase("looks =?encoded?="), "=?UTF-8?B?\(Data("looks =?encoded?=".utf8).base64EncodedString())?=")
        XCTAssertEqual(MIMEEncoding.headerText("a\tb"), "a\tb")
        XCTAssertNotEqual(MIMEEncoding.headerText("two\u{2028}lines"), "two\u{2028}lines")
    }

    func testHeaderInjectionIsRefused() {
        var message = sample(name: "Zoë\r\nBcc: everyone@example.com")
        XCTAssertThrowsError(try message.validate())
        message = sample()
        message.to = MailAddress("zoe@example.com>\r\nRCPT TO:<x@y.z")
        XCTAssertThrowsError(try message.validate())
        message = sample()
        message.extraHeaders = [("X-Note", "one\u{2028}two")]
        XCTAssertThrowsError(try message.validate(), "a Unicode line separator breaks a header too")
        message.extraHeaders = [("X Note", "one")]
        XCTAssertThrowsError(try message.validate(), "a header name has no spaces")
    }
}

final class SMTPSettingsTests: XCTestCase {
    func testCredentialsComeOutOfTheURLAndDefaultsFollowTheScheme() throws {
        let plain = try SMTPSettings.parsing(url: "smtp://127.0.0.1:2525")
        XCTAssertEqual(plain.url, "smtp://127.0.0.1:2525")
        XCTAssertNil(plain.username)
        XCTAssertEqual(plain.startTLS, .opportunistic)

        let authenticated = try SMTPSettings.parsing(url: "smtp://mailer%40airfleet.dev:p%40ss%3Aword@smtp.example.com")
        XCTAssertEqual(authenticated.url, "smtp://smtp.example.com:587")
        XCTAssertEqual(authenticated.username, "mailer@airfleet.dev")
        XCTAssertEqual(authenticated.password, "p@ss:word")
        XCTAssertEqual(authenticated.startTLS, .required, "a password never travels in plain text unless asked")

        let implicit = try SMTPSettings.parsing(url: "smtps://u:p@smtp.example.com")
        XCTAssertEqual(implicit.url, "smtps://smtp.example.com:465")
        XCTAssertTrue(implicit.isImplicitTLS)
    }

    func testEnvironmentSettingsAreReadAndBadOnesNamed() throws {
        let settings = try SMTPSettings.read(SettingsReader(environment: [
            "AIRFLEET_SMTP_URL": "smtp://u:p@mail.example.com:2587", "AIRFLEET_SMTP_STARTTLS": "opportunistic",
            "AIRFLEET_SMTP_CONNECT_TIMEOUT": "750ms", "AIRFLEET_SMTP_TIMEOUT": "20s",
            "AIRFLEET_SMTP_FROM": "trips@airfleet.dev", "AIRFLEET_SMTP_FROM_NAME": "Airfleet Trips",
        ]))
        XCTAssertEqual(settings.startTLS, .opportunistic)
        XCTAssertEqual(settings.connectTimeout, .milliseconds(750))
        XCTAssertEqual(settings.totalTimeout, .seconds(20))
        XCTAssertEqual(settings.sender, MailAddress("trips@airfleet.dev", name: "Airfleet Trips"))
        XCTAssertThrowsError(try SMTPSettings.read(SettingsReader(environment: ["AIRFLEET_SMTP_STARTTLS": "sometimes"]))) { error in
            XCTAssertTrue("\(error)".contains("AIRFLEET_SMTP_STARTTLS"))
        }
        XCTAssertThrowsError(try SMTPSettings.read(SettingsReader(environment: ["AIRFLEET_SMTP_URL": "http://secret:pw@x"]))) { error in
            XCTAssertTrue("\(error)".contains("AIRFLEET_SMTP_URL"))
            XCTAssertFalse("\(error)".contains("pw"), "the password stays out of the error")
        }
    }

    /// Messages sent one after another share one SMTP session: the connect, greeting and EHLO
    /// are paid once, by the first.
    func testMessagesInARowShareOneSession() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["AIRFLEET_TEST_SMTP_URL"], let mailDirectory = environment["AIRFLEET_TEST_MAIL_DIR"] else {
            throw XCTSkip("AIRFLEET_TEST_SMTP_URL and AIRFLEET_TEST_MAIL_DIR name the test SMTP sink (ops/test sets them)")
        }
        let mailer = SMTPMailer(settings: try SMTPSettings.parsing(url: url))
        let recipient = "session-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        for number in 1...3 {
            try mailer.send(MailMessage(from: mailer.settings.sender, to: MailAddress(recipient), subject: "message \(number)",
                                        text: "t", messageId: "\(UUID().uuidString)@airfleet.local"))
        }
        let peers = try FileManager.default.contentsOfDirectory(atPath: mailDirectory).filter { $0.hasSuffix(".eml") }.compactMap { name -> String? in
            let text = try String(contentsOfFile: "\(mailDirectory)/\(name)", encoding: .utf8)
            guard text.contains("X-RcptTo: <\(recipient)>") || text.contains("X-RcptTo: \(recipient)") else { return nil }
            return text.split(separator: "\r\n").first { $0.hasPrefix("X-Peer: ") }.map(String.init)
        }
        XCTAssertEqual(peers.count, 3)
        XCTAssertEqual(Set(peers).count, 1, "one session for the three: \(peers)")
    }

    func testANothingListeningPortIsATransientConnectionFailure() throws {
        // Port 1 on loopback: nothing listens there, so the connect is refused at once.
        var settings = try SMTPSettings.parsing(url: "smtp://127.0.0.1:1")
        settings.connectTimeout = .seconds(2)
        let mailer = SMTPMailer(settings: settings)
        let message = MailMessage(from: settings.sender, to: MailAddress("a@example.com"), subject: "s", text: "t",
                                  messageId: "x@airfleet.local")
        XCTAssertThrowsError(try mailer.send(message)) { error in
            let failure = error as! SMTPError
            XCTAssertEqual(failure.kind, .connection)
            XCTAssertTrue(failure.isTransient)
        }
    }
}
