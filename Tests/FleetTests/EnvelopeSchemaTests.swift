import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// What the Swift side encodes validates against Schemas/envelope.schema.json, so a client in
/// any language can publish from the schema alone.
final class EnvelopeSchemaTests: XCTestCase {
    /// Runs Schemas/validate.py on documents; returns its exit status and output.
    private func validate(_ documents: [Data]) throws -> (status: Int32, output: String) {
        try SchemaCheck.validate(documents, against: "envelope.schema.json")
    }

    func testEncodedEnvelopesValidate() throws {
        let documents = try [
            OutgoingMessage.make(ProbeRecord(key: "a"), source: "airfleet/tests").body,
            OutgoingMessage.make(ProbeRecorded(key: "a"), source: "airfleet/probe", subject: "a", correlationId: "c", causationId: "x").body,
            OutgoingMessage.make(ProbeNoteV2(text: "Zoë Ångström", author: "ü"), source: "acme/back-office").body,
            OutgoingMessage.make(ProbeCount(key: "a"), source: "airfleet/ingress").body,
        ]
        let result = try validate(documents)
        XCTAssertEqual(result.status, 0, result.output)
    }

    func testTheSchemaRefusesABrokenEnvelope() throws {
        let broken = #"{"specversion":"0.3","type":"Probe.Record","source":"","data":[]}"#
        let result = try validate([Data(broken.utf8)])
        XCTAssertEqual(result.status, 1)
        for fault in ["'id' is a required property", "$.specversion", "$.type", "$.source", "$.data"] {
            XCTAssertTrue(result.output.contains(fault), "\(fault) in \(result.output)")
        }
    }
}
