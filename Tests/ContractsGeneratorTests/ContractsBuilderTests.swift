@testable import generate_contracts
import Foundation
import XCTest

/// What the generator makes of schemas, and how it refuses schemas it cannot make Swift of.
final class ContractsBuilderTests: XCTestCase {
    private func schema(_ path: String, _ text: String) throws -> SchemaFile {
        try SchemaFile(path: path, text: text)
    }

    private let hold = """
        {
          "title": "seats.hold.v1",
          "description": "The data of a seats.hold.v1 command (the envelope is elsewhere). Holds seats.",
          "x-message-kind": "command",
          "x-swift-type": "HoldSeats",
          "type": "object",
          "required": ["holdId", "cabin", "passengers"],
          "properties": {
            "holdId": {"type": "string", "format": "uuid"},
            "cabin": {"enum": ["economy", "premium-economy"], "x-swift-type": "Cabin",
                      "x-enum-descriptions": {"premium-economy": "More legroom."}},
            "passengers": {"type": "array", "items": {"$ref": "#/$defs/passenger"}},
            "holdSeconds": {"type": "integer", "description": "At most 3600."},
            "fares": {"type": "object", "additionalProperties": {"type": "integer"}},
            "heldAt": {"type": "string", "format": "date-time"}
          },
          "$defs": {
            "passenger": {"type": "object", "x-swift-type": "HoldSeats.Passenger", "required": ["name"],
                          "properties": {"name": {"type": "string"}}}
          }
        }
        """

    func testAMessageBecomesAStructWithItsWireNameAndAnInitializerInSchemaOrder() throws {
        let builder = try ContractsBuilder(files: [try schema("flights/seats.hold.v1.schema.json", hold)])
        let code = SwiftFile(builder: builder).render()
        XCTAssertTrue(code.contains("""
            /// Holds seats.
            public struct HoldSeats: Command, Equatable {
                public static let messageType = MessageType("seats.hold", version: 1)
                public var holdId: UUID
                public var cabin: Cabin
                public var passengers: [HoldSeats.Passenger]
                /// At most 3600.
                public var holdSeconds: Int?
                public var fares: [String: Int]?
                public var heldAt: Date?
            """), code)
        XCTAssertTrue(code.contains("""
                public init(
                    holdId: UUID,
                    cabin: Cabin,
                    passengers: [HoldSeats.Passenger],
                    holdSeconds: Int? = nil,
                    fares: [String: Int]? = nil,
                    heldAt: Date? = nil,
                ) {
            """), code)
        XCTAssertTrue(code.contains("""
            public enum Cabin: String, Codable, Sendable, CaseIterable {
                case economy
                /// More legroom.
                case premiumEconomy = "premium-economy"
            }
            """), code)
        XCTAssertTrue(code.contains("extension HoldSeats {\n    public struct Passenger: Codable, Sendable, Equatable {"), code)
        XCTAssertTrue(code.contains("ContextTopology(name: \"flights\", commands: [HoldSeats.messageType], queries: [])"), code)
    }

    func testTwoSchemasThatDescribeOneTypeDifferentlyAreRefusedNamingBoth() throws {
        let other = hold.replacingOccurrences(of: "\"seats.hold.v1\"", with: "\"seats.rehold.v1\"")
            .replacingOccurrences(of: "\"HoldSeats\"", with: "\"ReholdSeats\"")
            .replacingOccurrences(of: "\"premium-economy\"]", with: "\"first\"]")
        XCTAssertThrowsError(try ContractsBuilder(files: [
            try schema("flights/seats.hold.v1.schema.json", hold),
            try schema("flights/seats.rehold.v1.schema.json", other),
        ])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("flights/seats.rehold.v1.schema.json"), text)
            XCTAssertTrue(text.contains("flights/seats.hold.v1.schema.json"), text)
            XCTAssertTrue(text.contains("describe Cabin differently"), text)
        }
    }

    func testAnEnumOrAnObjectWithoutASwiftNameIsRefusedWithItsPlace() throws {
        let unnamed = hold.replacingOccurrences(of: ", \"x-swift-type\": \"Cabin\"", with: "")
        XCTAssertThrowsError(try ContractsBuilder(files: [try schema("flights/seats.hold.v1.schema.json", unnamed)])) { error in
            XCTAssertEqual("\(error)", "flights/seats.hold.v1.schema.json#/properties/cabin: an enum needs x-swift-type")
        }
        let anonymous = hold.replacingOccurrences(of: "\"x-swift-type\": \"HoldSeats.Passenger\", ", with: "")
        XCTAssertThrowsError(try ContractsBuilder(files: [try schema("flights/seats.hold.v1.schema.json", anonymous)])) { error in
            XCTAssertEqual("\(error)", "flights/seats.hold.v1.schema.json#/properties/passengers/items: an object with properties needs x-swift-type")
        }
    }

    func testAMessageWithoutItsKindOrAnAnswerWithoutItsQueryIsRefused() throws {
        let kindless = hold.replacingOccurrences(of: "\"x-message-kind\": \"command\",", with: "")
        XCTAssertThrowsError(try schema("flights/seats.hold.v1.schema.json", kindless)) { error in
            XCTAssertEqual("\(error)", "flights/seats.hold.v1.schema.json: x-message-kind must be one of command, event, query")
        }
        let answer = #"{"x-swift-type": "HoldSeats.Response", "type": "object", "properties": {}}"#
        XCTAssertThrowsError(try ContractsBuilder(files: [
            try schema("flights/seats.hold.v1.schema.json", hold),
            try schema("flights/seats.hold.v1.response.schema.json", answer),
        ])) { error in
            XCTAssertEqual("\(error)", "flights/seats.hold.v1.response.schema.json: answers no query: "
                           + "flights/seats.hold.v1.schema.json must be a query")
        }
    }

    func testAQueryWhoseAnswerIsATypeOfItsOwnGetsItAsItsResponse() throws {
        let query = #"{"x-message-kind": "query", "x-swift-type": "GetHold", "type": "object", "required": ["holdId"], "#
            + #""properties": {"holdId": {"type": "string", "format": "uuid"}}}"#
        let answer = #"{"x-swift-type": "HoldView", "type": "object", "properties": {"seats": {"type": "integer"}}}"#
        let builder = try ContractsBuilder(files: [
            try schema("flights/hold.get.v1.schema.json", query),
            try schema("flights/hold.get.v1.response.schema.json", answer),
        ])
        let code = SwiftFile(builder: builder).render()
        XCTAssertTrue(code.contains("extension GetHold {\n    public typealias Response = HoldView\n}"), code)
        XCTAssertTrue(code.contains("queries: [GetHold.messageType]"), code)
    }

    func testWireValuesBecomeSwiftCaseNames() {
        XCTAssertEqual(SwiftDefinition.caseName("seat-not-in-cabin"), "seatNotInCabin")
        XCTAssertEqual(SwiftDefinition.caseName("reminder-24h"), "reminder24h")
        XCTAssertEqual(SwiftDefinition.caseName("economy"), "economy")
    }
}

/// The committed index of messages says what the schemas say.
final class MessageIndexTests: XCTestCase {
    func testSchemasReadmeIsTheIndexTheSchemasMake() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Schemas")
        let expected = MessageIndex(files: try SchemaFile.all(in: folder)).render()
        let committed = try String(contentsOf: folder.appendingPathComponent(MessageIndex.fileName), encoding: .utf8)
        XCTAssertTrue(committed == expected,
                      "Schemas/README.md is stale: run `swift run generate-contracts --index Schemas` and commit it")
    }
}
