import Fleet
import Foundation
import XCTest

final class LowercasedStringTests: XCTestCase {
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
}
