@testable import TallyAudit
import TallyTestSupport
import XCTest

/// `--redact` tells ASCII text byte by byte and anything else by `Character`s: both ways
/// must agree wherever both apply, so the byte paths are checked here against the
/// general ones on random and chosen words.
final class RedactorTests: XCTestCase {
    let redactor = Redactor(secret: Array("a key for tests only".utf8), program: "test",
                            identifiers: ["C00012345", " Ann@Example.com ", "dev-00042", "10.1.2.3", "jos\u{E9}", "\tTabbed"])

    func testIdentifiersAreNormalisedAsFoundationTrimsAndLowerCases() {
        var random = SeededRandom(seed: 5)
        let alphabet = Array(" \tAbZz09@.-\u{A0}\u{2003}\u{E9}\u{C9}K\u{212A}\r\n")
        for round in 0..<2_000 {
            let text = String((0..<Int(random.next() % 9)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            XCTAssertEqual(Redactor.normal(text), text.trimmingCharacters(in: .whitespaces).lowercased(), "round \(round): \(text.debugDescription)")
        }
    }

    func testAnASCIIWordIsAnIdentifierExactlyWhenItsCharactersSaySo() {
        var words = ["C00012345", "c00012345", "ANN@EXAMPLE.COM", "a@b.c", "@b.c", "a@b", "a@.c", "10.1.2.3", "10.1.2.3:8080", "10.1.2.3:",
                     "10.1.2.3:x", "256.1.1.1", "255.255.255.255", "1.2.3", "1.2.3.4.5", "+1.2.3.4", "-1.2.3.4", "+.1.2.3", "01.02.03.004",
                     "2001:db8::", "fe80::1", "FE80::1", "::", ":::", "18:22:05", "1:2:3:4", "g::1", "a:b", "", "dev-00042", "x.y.z.w",
                     "1..2.3", "1.2.3.4:80:90", "-0.0.0.0", "+255.0.0.0"]
        var random = SeededRandom(seed: 11)
        let alphabet = Array("0123456789abcdefgABCDEFG@._+:-")
        for _ in 0..<4_000 { words.append(String((0..<Int(random.next() % 14)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })) }
        for word in words {
            var bytes = word
            let ascii = bytes.withUTF8 { redactor.isIdentifier(ascii: $0) }
            XCTAssertEqual(ascii, redactor.isIdentifier(characters: word), word)
        }
    }

    func testWordPartsAreTheLettersDigitsAndSignsTheCharactersName() {
        let characters: [Character] = (0..<128).map { Character(UnicodeScalar(UInt8($0))) } + ["\r\n", "\u{E9}", "e\u{301}", "\u{0663}", "\u{00BD}", "\u{2014}", "\u{1F600}"]
        for character in characters {
            XCTAssertEqual(Redactor.isWordPart(character), character.isLetter || character.isNumber || "@._+:-".contains(character),
                           character.debugDescription)
        }
    }

    /// Free text keeps its words and signs; identifiers in it become pseudonyms.
    func testScrubbingReplacesOnlyIdentifiers() {
        let text = "Paid C00012345 (ann@example.com) from 10.1.2.3:8080, 12:30:05.\r\nsee dev-00042."
        let scrubbed = redactor.scrub(text)
        XCTAssertFalse(scrubbed.contains("C00012345") || scrubbed.contains("ann@") || scrubbed.contains("10.1.2.3") || scrubbed.contains("dev-00042"), scrubbed)
        XCTAssertTrue(scrubbed.hasPrefix("Paid anon-") && scrubbed.contains(", 12:30:05.\r\nsee anon-") && scrubbed.hasSuffix("."), scrubbed)
    }
}
