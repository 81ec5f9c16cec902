import Fleet
import Foundation
import XCTest

final class WhitespaceTests: XCTestCase {
    func testTrimmingAgreesWithFoundation() {
        let samples = [
            "", " ", "\t\n\r", "Ana", " Ana ", "\tAna Lima\n", "Ana\u{00A0}", "\u{2028}Ana\u{2029}", "\u{0085}Ana",
            "\u{3000}東京\u{3000}", "Zoë ", " 👩🏽‍✈️", "a b", "\u{000B}\u{000C}x", "x\u{200B}", "\u{202F}\u{205F}\u{1680}",
        ]
        for sample in samples {
            XCTAssertEqual(sample.trimmingWhitespace(), sample.trimmingCharacters(in: .whitespacesAndNewlines),
                           "\(sample.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    func testEveryScalarOfTheBasicPlaneIsWhiteSpaceExactlyWhenFoundationSaysSo() {
        for value in 0...0xFFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = "a\(scalar)"
            XCTAssertEqual(text.trimmingWhitespace(), text.trimmingCharacters(in: .whitespacesAndNewlines), "U+\(String(value, radix: 16))")
        }
    }

    func testControlCharactersAreGeneralCategoryCc() {
        for value in [0x00, 0x09, 0x1F, 0x7F, 0x80, 0x85, 0x9F] {
            XCTAssertTrue(Unicode.Scalar(value)!.isControlCharacter, "U+\(String(value, radix: 16))")
        }
        for scalar in ["a", " ", "\u{00A0}", "\u{200B}", "é", "\u{2028}"].map({ $0.unicodeScalars.first! }) {
            XCTAssertFalse(scalar.isControlCharacter, "U+\(String(scalar.value, radix: 16))")
        }
    }
}
