import Contracts
import Fleet
import FleetTestSupport
import Foundation
import XCTest

/// Every schema's examples validate against it, decode into the Swift type generated from it,
/// and a message's examples keep its rules: an example is what a publisher copies first.
final class SchemaExamplesTests: XCTestCase {
    func testEverySchemasExamplesValidateDecodeAndKeepTheMessagesRules() throws {
        var checked: Set<String> = []
        for type in MessageTypes.all {
            let path = try schemaPath(of: type.messageType.description)
            try check(type, path)
            checked.insert(path)
            if let query = type as? any Query.Type {
                let answer = path.replacingOccurrences(of: ".schema.json", with: ".response.schema.json")
                try checkAnswer(of: query, answer)
                checked.insert(answer)
            }
        }
        let schemas = try FileManager.default.subpathsOfDirectory(atPath: SchemaCheck.folder.path)
            .filter { $0.contains("/") && $0.hasSuffix(".schema.json") }
        XCTAssertEqual(Set(schemas), checked, "every schema of a context describes a message or a query's answer")
    }

    private func check<M: Message>(_ type: M.Type, _ path: String) throws {
        for document in try examples(path) {
            let message = try FleetJSON.decoder().decode(M.self, from: document)
            XCTAssertNoThrow(try message.validate(), "\(path): \(String(decoding: document, as: UTF8.self))")
        }
    }

    private func checkAnswer<Q: Query>(of type: Q.Type, _ path: String) throws {
        for document in try examples(path) {
            XCTAssertNoThrow(try FleetJSON.decoder().decode(Q.Response.self, from: document), path)
        }
    }

    /// The schema's examples, after Schemas/validate.py has found them valid.
    private func examples(_ path: String) throws -> [Data] {
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: SchemaCheck.folder.appendingPathComponent(path)))
        let list = try XCTUnwrap((schema as? [String: Any])?["examples"] as? [Any], "\(path) has no examples")
        XCTAssertFalse(list.isEmpty, "\(path) has no examples")
        let documents = try list.map { try JSONSerialization.data(withJSONObject: $0) }
        let result = try SchemaCheck.validate(documents, against: path)
        XCTAssertEqual(result.status, 0, "\(path) examples: \(result.output)")
        return documents
    }

    private func schemaPath(of wireName: String) throws -> String {
        let contexts = try FileManager.default.contentsOfDirectory(atPath: SchemaCheck.folder.path)
        let found = contexts.map { "\($0)/\(wireName).schema.json" }
            .filter { FileManager.default.fileExists(atPath: SchemaCheck.folder.appendingPathComponent($0).path) }
        return try XCTUnwrap(found.first, "\(wireName) has no schema")
    }
}
