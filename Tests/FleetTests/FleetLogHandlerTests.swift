import Foundation
import Logging
import XCTest

@testable import Fleet

/// The two forms of a log line: no I/O.
final class FleetLogHandlerTests: XCTestCase {
    private let time = Date(timeIntervalSince1970: 1_796_639_088.25)
    private let metadata: Logger.Metadata = [
        "correlation_id": "0192f3a4-5b6c-7d8e-9f00-112233445566", "attempt": .stringConvertible(2),
        "error": "a \"quoted\" reason", "message": "not the message",
    ]

    func testAJSONLineIsOneObjectWithTheMetadataAsFieldsAndTheEventsOwnFieldsFirst() throws {
        let line = FleetLogHandler.line(.json, time: time, level: .warning, label: "airfleet", message: "message dead-lettered",
                                        metadata: metadata)
        XCTAssertFalse(line.contains("\n"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(object["level"] as? String, "warning")
        XCTAssertEqual(object["logger"] as? String, "airfleet")
        XCTAssertEqual(object["message"] as? String, "message dead-lettered")
        XCTAssertEqual(object["time"] as? String, FleetJSON.formatTimestamp(time))
        XCTAssertEqual(object["correlation_id"] as? String, "0192f3a4-5b6c-7d8e-9f00-112233445566")
        XCTAssertEqual(object["attempt"] as? String, "2")
        XCTAssertEqual(object["error"] as? String, "a \"quoted\" reason")
    }

    func testATextLineKeepsItsFormForGrep() {
        let line = FleetLogHandler.line(.text, time: time, level: .info, label: "airfleet", message: "consuming",
                                        metadata: ["queue": "airfleet.flights", "error": "two words"])
        XCTAssertEqual(line, "\(FleetJSON.formatTimestamp(time)) info airfleet: consuming error=\"two words\" queue=airfleet.flights")
    }

    func testAnUnknownFormatIsRefusedNamingTheChoices() {
        XCTAssertThrowsError(try FleetLogHandler.format(SettingsReader(environment: ["AIRFLEET_LOG_FORMAT": "xml"]))) { error in
            XCTAssertEqual("\(error)", "AIRFLEET_LOG_FORMAT: 'xml' must be one of text, json")
        }
        XCTAssertEqual(try FleetLogHandler.format(SettingsReader(environment: ["AIRFLEET_LOG_FORMAT": "JSON"])), .json)
        XCTAssertEqual(try FleetLogHandler.format(SettingsReader(environment: [:])), .text)
    }
}
