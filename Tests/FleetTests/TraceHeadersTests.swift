@testable import Fleet
import Foundation
import XCTest

/// `traceparent` read as W3C Trace Context reads it: a malformed one is no trace at all, so the
/// message that carries it starts a new one instead of failing.
final class TraceHeadersTests: XCTestCase {
    func testAWellFormedTraceparentGivesItsTraceAndParentSpan() throws {
        let headers = try XCTUnwrap(TraceHeaders(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                                 tracestate: "congo=t61rcWkgMzE"))
        XCTAssertEqual(headers.traceID, "4bf92f3577b34da6a3ce929d0e0e4736")
        XCTAssertEqual(headers.spanID, "00f067aa0ba902b7")
        XCTAssertEqual(headers.tracestate, "congo=t61rcWkgMzE")
        XCTAssertNil(TraceHeaders(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", tracestate: "")?.tracestate)
    }

    func testAFutureVersionMayAppendFields() {
        XCTAssertNotNil(TraceHeaders(traceparent: "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next", tracestate: nil))
    }

    func testMalformedTraceparentsAreNoTrace() {
        for malformed in [
            "", "00", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // uppercase
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // no trace
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // no parent
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // version 00 has four fields
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  // short id
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",  // not hex
        ] {
            XCTAssertNil(TraceHeaders(traceparent: malformed, tracestate: nil), malformed)
        }
    }

    func testTheEnvelopeCarriesTheTraceAndReadsItBack() throws {
        let trace = TraceHeaders(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "a=b")
        let header = EnvelopeHeader(id: "m-1", type: MessageType(parsing: "probe.ping.v1")!, source: "airfleet/tests", time: Date(),
                                    subject: nil, correlationId: nil, causationId: nil, trace: trace)
        let decoded = try FleetJSON.decoder().decode(EnvelopeHeader.self, from: FleetJSON.standardEncoder.encode(header))
        XCTAssertEqual(decoded.traceHeaders, trace)
        let untraced = EnvelopeHeader(id: "m-2", type: MessageType(parsing: "probe.ping.v1")!, source: "airfleet/tests", time: Date(),
                                      subject: nil, correlationId: nil, causationId: nil)
        XCTAssertFalse(String(decoding: try FleetJSON.standardEncoder.encode(untraced), as: UTF8.self).contains("traceparent"))
    }
}
