@testable import TallyLedgers
import XCTest

/// Order positions by id: every id recorded once, a repeated id answered with the first
/// position (and nothing changed), ids that are the same text one id whatever their bytes,
/// and every id still found after the table grew many times.
final class OrderPositionsTests: XCTestCase {
    func testIdsAreRecordedOnceAndFoundAfterGrowing() {
        var positions = OrderPositions()
        let ids = (0..<50_000).map { $0 % 3 == 0 ? "\(10_000_000 + $0)" : "order-\($0)-#\($0 * 7)" } + ["", "a", String(repeating: "x", count: 300)]
        for (position, id) in ids.enumerated() {
            positions.prefetch(id)
            XCTAssertNil(positions.insert(id, at: position), id)
        }
        for (position, id) in ids.enumerated() {
            XCTAssertEqual(positions[id], position, id)
            XCTAssertEqual(positions.insert(id, at: 99_999_999), position, "a repeated id keeps its first position")
            XCTAssertEqual(positions[id], position)
        }
        XCTAssertNil(positions["order-1-#8"])
        XCTAssertNil(positions["10000001 "])
    }

    func testTheSameTextIsOneIdWhateverItsBytes() {
        var positions = OrderPositions()
        positions.reserveCapacity(10)
        XCTAssertNil(positions.insert("jos\u{E9}", at: 0))
        XCTAssertNil(positions.insert("jose", at: 1))
        XCTAssertEqual(positions.insert("jose\u{301}", at: 2), 0, "é precomposed and e + accent are one id")
        XCTAssertEqual(positions["jose\u{301}"], 0)
        XCTAssertEqual(positions["jose"], 1)
    }
}
