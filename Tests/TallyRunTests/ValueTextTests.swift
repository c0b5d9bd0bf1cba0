import TallyPlan
import TallyValues
import XCTest

/// Amounts, instants and durations as every trace and record writes them, and amounts as
/// ledgers give them: written and read byte by byte, so each form is pinned here.
final class ValueTextTests: XCTestCase {
    func testAmountsAreWrittenWithTheirScale() {
        let cases: [(Int64, Int, String)] = [(1250, 2, "12.50"), (-1250, 2, "-12.50"), (5, 2, "0.05"), (-5, 2, "-0.05"), (0, 2, "0.00"),
                                             (1200, 0, "1200"), (-7, 0, "-7"), (123_456, 3, "123.456"), (Int64.min + 1, 2, "-92233720368547758.07")]
        for (significand, scale, text) in cases {
            XCTAssertEqual(ExactDecimal(significand: significand, scale: scale).description, text)
        }
    }

    func testAmountsAreReadFromASCIIDigitsOnly() {
        XCTAssertEqual(ExactDecimal("-4.50").map { [$0.significand, Int64($0.scale)] }, [-450, 2])
        XCTAssertEqual(ExactDecimal("+0.125").map { [$0.significand, Int64($0.scale)] }, [125, 3])
        XCTAssertEqual(ExactDecimal(".5").map { [$0.significand, Int64($0.scale)] }, [5, 1])
        for bad in ["", "-", ".", "1.2.3", "1,50", "12a", "١٢", "１２", " 1", "99999999999999999999"] {
            XCTAssertNil(ExactDecimal(bad), bad)
        }
    }

    func testInstantsAndDurations() {
        XCTAssertEqual(Value.timestampText(Timestamp.parse("2026-03-08T07:05:09Z")!), "2026-03-08T07:05:09Z")
        XCTAssertEqual(Value.timestampText(Timestamp(secondsSinceEpoch: -1)), "1969-12-31T23:59:59Z")
        XCTAssertEqual(Value.timestampText(Timestamp(secondsSinceEpoch: 0)), "1970-01-01T00:00:00Z")
        XCTAssertEqual(Value.durationText(30 * 86_400), "30 days")
        XCTAssertEqual(Value.durationText(30 * 86_400 + 1), "30 days 1 second")
        XCTAssertEqual(Value.durationText(14 * 86_400), "2 weeks")
        XCTAssertEqual(Value.durationText(-5_400), "-1 hour 30 minutes")
        XCTAssertEqual(Value.durationText(0), "0 seconds")
    }
}
