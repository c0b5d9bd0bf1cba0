@testable import TallyRun
import XCTest

/// The per-referrer limits count what they allowed in `LimitUse`: it must answer exactly
/// as a dictionary of the same keys would, through growth and for any integers.
final class LimitUseTests: XCTestCase {
    private struct Key: Hashable {
        var limit: Int
        var referrer: Int32
        var period: Int
    }

    func testAgreesWithADictionary() {
        var generator = SystemRandomNumberGenerator()
        var use = LimitUse()
        var expected: [Key: Int64] = [:]
        // Few limits and periods, many referrers: the table grows several times; keys
        // that differ in one part only land in the same neighbourhood of slots.
        for step in 0..<50_000 {
            let key = Key(limit: Int.random(in: 0..<3, using: &generator), referrer: Int32.random(in: 0..<5_000, using: &generator),
                          period: Int.random(in: 24_300..<24_312, using: &generator))
            XCTAssertEqual(use.used(limit: key.limit, referrer: key.referrer, period: key.period), expected[key] ?? 0, "step \(step)")
            let amount = Int64.random(in: 0...100_000, using: &generator)
            use.set(amount, limit: key.limit, referrer: key.referrer, period: key.period)
            expected[key] = amount
        }
        for (key, amount) in expected {
            XCTAssertEqual(use.used(limit: key.limit, referrer: key.referrer, period: key.period), amount)
        }
    }

    func testExtremeKeysAndZeroAmounts() {
        var use = LimitUse()
        let keys: [(Int, Int32, Int)] = [(0, 0, 0), (0, 0, -1), (0, -1, 0), (1, Int32.max, Int.max), (2, Int32.min, Int.min), (0, 1, 0), (1, 0, 0)]
        for (position, key) in keys.enumerated() { use.set(Int64(position), limit: key.0, referrer: key.1, period: key.2) }
        for (position, key) in keys.enumerated() { XCTAssertEqual(use.used(limit: key.0, referrer: key.1, period: key.2), Int64(position)) }
        // A key set to zero is still a key: setting it again does not add a second one.
        use.set(7, limit: 0, referrer: 0, period: 0)
        XCTAssertEqual(use.used(limit: 0, referrer: 0, period: 0), 7)
        XCTAssertEqual(use.used(limit: 3, referrer: 0, period: 0), 0)
    }
}
