import Fleet
import Foundation
import XCTest

final class UUIDTextTests: XCTestCase {
    func testTheTextOfAnIdIsFoundationsInLowercase() {
        for _ in 0..<2000 {
            let id = UUID()
            XCTAssertEqual(id.lowercasedString, id.uuidString.lowercased())
        }
        let known = UUID(uuidString: "0B6C9D4E-1F2A-4B3C-8D4E-5F6A7B8C9D0E")!
        XCTAssertEqual(known.lowercasedString, "0b6c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e")
        XCTAssertEqual(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).lowercasedString,
                       "00000000-0000-0000-0000-000000000000")
        XCTAssertEqual(UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)).lowercasedString,
                       "ffffffff-ffff-ffff-ffff-ffffffffffff")
    }

    func testTextReadsBackAsFoundationReadsIt() {
        for _ in 0..<2000 {
            let id = UUID()
            XCTAssertEqual(UUID(text: id.lowercasedString), id)
            XCTAssertEqual(UUID(text: id.uuidString), id)
            XCTAssertEqual(UUID(text: Substring(id.uuidString)), id)
        }
        for bad in ["", "0b6c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0", "0b6c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e0", "0b6c9d4e11f2a-4b3c-8d4e-5f6a7b8c9d0e",
                    "0b6c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0g", "{b6c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e", "0b6c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0é"] {
            XCTAssertNil(UUID(text: bad), bad)
            XCTAssertNil(UUID(uuidString: bad), "Foundation agrees: \(bad)")
        }
    }
}
