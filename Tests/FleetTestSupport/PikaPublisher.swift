import Foundation

/// Tests/PikaPublisher/publish_with_pika.py: messages published by pika, as a publisher in
/// another language sends them, run by the Python that ops/test installed pika for
/// (`AIRFLEET_TEST_PIKA_PYTHON`).
public enum PikaPublisher {
    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PikaPublisher/publish_with_pika.py")

    /// Publishes each CloudEvents document (one line of JSON each) to `exchange` on the fleet's
    /// virtual host, with confirms; throws unless the broker took every one.
    public static func publish(_ documents: [String], to exchange: String = "airfleet.commands", fleet: TestFleet) throws {
        guard let python = ProcessInfo.processInfo.environment["AIRFLEET_TEST_PIKA_PYTHON"], !python.isEmpty else {
            throw PikaError("AIRFLEET_TEST_PIKA_PYTHON is not set: this test needs the Python with pika that ops/test installs; run it through ops/test")
        }
        guard let url = fleet.environment["AIRFLEET_AMQP_URL"] else { throw PikaError("the fleet has no AIRFLEET_AMQP_URL") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path, url, exchange]
        let lines = FileManager.default.temporaryDirectory.appendingPathComponent("pika-\(UUID().uuidString).jsonl")
        try Data(documents.map { $0 + "\n" }.joined().utf8).write(to: lines)
        defer { try? FileManager.default.removeItem(at: lines) }
        process.standardInput = try FileHandle(forReadingFrom: lines)
        let run = try process.runCapturingOutput()
        guard run.status == 0, run.output.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("\(documents.count)") else {
            throw PikaError("pika did not publish all \(documents.count) document(s) (exit \(run.status)): \(run.output)")
        }
    }

    /// A CloudEvents document of `type` around `data` (JSON), with a fresh id, as a hand-written
    /// publisher makes it: no trace context, no correlation id.
    public static func document(_ type: String, data: String, subject: String? = nil) -> String {
        let subjectMember = subject.map { #","subject":"\#($0)""# } ?? ""
        return #"{"specversion":"1.0","id":"\#(UUID().uuidString.lowercased())","type":"\#(type)","source":"tests/pika","time":"2026-12-07T10:00:00Z","datacontenttype":"application/json"\#(subjectMember),"data":\#(data)}"#
    }
}

struct PikaError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
