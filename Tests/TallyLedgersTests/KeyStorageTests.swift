@testable import TallyLedgers
import XCTest

/// Keys and ids stored compactly must come back exactly as written: the interner keeps a
/// key's first 11 bytes in its slot and longer keys' bytes apart; click ids that are plain
/// numbers are kept as numbers.
final class KeyStorageTests: XCTestCase {
    func testTheInternerTellsApartKeysThatShareTheirFirstElevenBytes() {
        var interner = KeyInterner()
        let keys = ["", "a", "emily.chen@example.net", "emily.chen@example.org", "emily.chen@", "emily.chen@e",
                    String(repeating: "x", count: 300), String(repeating: "x", count: 301), "jos\u{E9}", "C00080856"]
            + (0..<3000).map { "customer-\($0)@example.com" }
        let numbers = keys.map { interner.intern($0) }
        XCTAssertEqual(Set(numbers).count, keys.count, "every distinct key has its own number")
        XCTAssertEqual(interner.keys, keys)
        for (key, number) in zip(keys, numbers) {
            XCTAssertEqual(interner.number(of: key), number, key)
            XCTAssertEqual(interner.intern(key), number, "interning again gives the same number")
        }
        XCTAssertNil(interner.number(of: "emily.chen@example.com"))
        XCTAssertNil(interner.number(of: String(repeating: "x", count: 302)))
        // Canonically equivalent text is one key (é precomposed or as e + accent).
        XCTAssertEqual(interner.number(of: "jose\u{301}"), interner.number(of: "jos\u{E9}"))
    }

    func testClickIdsComeBackAsWritten() {
        let written = ["1", "0", "10000000", "007", "00", "-5", "", "c12", "123456789012345678", "1234567890123456789", "é1"]
        var ids = ClickIDs()
        for id in written { ids.append(id) }
        XCTAssertEqual((0..<ids.count).map { ids[$0] }, written)
        var bytes = ClickIDs()
        for id in written {
            var id = id
            id.withUTF8 { bytes.append(bytes: $0) }
        }
        XCTAssertEqual((0..<bytes.count).map { bytes[$0] }, written)
        // Joined (the second part of a clicks file) and reordered (sorted by time).
        ids.append(contentsOf: bytes)
        XCTAssertEqual((0..<ids.count).map { ids[$0] }, written + written)
        let order = Array((0..<ids.count).reversed())
        let reordered = ids.permuted(by: order)
        XCTAssertEqual((0..<reordered.count).map { reordered[$0] }, (written + written).reversed())
    }
}
