@testable import TallyLedgers
import XCTest

/// Supplying pages ahead (`HugePages.fault`, `reserveAndFault`) must never change what
/// memory holds: the runner appends decisions while the pages are supplied.
final class HugePagesTests: XCTestCase {
    func testFaultingKeepsWhatTheRegionHolds() {
        // Larger than the steps the pages are supplied in, and not a multiple of them.
        let count = (19 << 20) + 12_345
        let region = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 64)
        defer { region.deallocate() }
        // Written in part (a page, a span across pages, an odd tail), the rest untouched.
        for offset in stride(from: 0, to: count, by: 4099) { region[offset] = UInt8(truncatingIfNeeded: offset / 4099 &+ 1) }
        let before = Array(region)
        HugePages.fault(region)
        HugePages.fault(UnsafeMutableRawBufferPointer(rebasing: region[17..<(count - 5)]))
        if let changed = before.indices.first(where: { region[$0] != before[$0] }) {
            XCTFail("byte \(changed) changed from \(before[changed]) to \(region[changed])")
        }
    }

    func testArrayFilledWhileItsPagesAreSupplied() {
        var numbers: [Int] = [7, 8, 9]
        HugePages.reserveAndFault(&numbers, capacity: 2_000_000)
        XCTAssertGreaterThanOrEqual(numbers.capacity, 2_000_000)
        XCTAssertEqual(numbers, [7, 8, 9])
        for value in 0..<1_999_997 { numbers.append(value &* 31) }
        XCTAssertEqual(numbers.count, 2_000_000)
        XCTAssertEqual(Array(numbers.prefix(3)), [7, 8, 9])
        for index in 3..<numbers.count where numbers[index] != (index - 3) &* 31 {
            return XCTFail("value \(index) changed to \(numbers[index])")
        }
    }

    /// An array in memory advised to use huge pages holds `count` copies of its value,
    /// at sizes under and over the 4 MiB it needs to be advised at all.
    func testArraysInHugePagesHoldTheirValue() {
        struct State: Equatable { var count: Int32 = 3; var first: Int64 = -1; var latest: Int64 = 9 }
        for count in [0, 1, 1000, 300_000] {
            let states = HugePages.array(repeating: State(), count: count)
            XCTAssertEqual(states.count, count)
            XCTAssertTrue(states.allSatisfy { $0 == State() })
            let zeros: [UInt64] = HugePages.zeroed(count: count)
            XCTAssertEqual(zeros.count, count)
            XCTAssertTrue(zeros.allSatisfy { $0 == 0 })
        }
    }
}
