import Foundation
@testable import TallyAudit
import TallyPlan
@testable import TallyRun
import TallySource
import TallyTestSupport
import TallyValues
import XCTest

/// A click touch written whole in place (`JSONWriter.clickTouch`) has the bytes the
/// member-by-member writer gives: checked against literal lines, and against the touch's
/// own fields for seeded-random clicks, kept or beyond the lookback. Touches it does not
/// take (codes, ids as text, a referrer id that needs escaping, words of exclusion) are
/// left to the general writer, with nothing written.
final class TouchRecordTests: XCTestCase {
    private func written(_ touch: TouchTrace) -> String? {
        var out = JSONWriter()
        out.beginArray()
        guard out.clickTouch([touch], at: 0) else { return nil }
        out.endArray()
        return out.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    func testTheBytesOfAKeptAndAnExcludedClick() {
        let at = Timestamp(secondsSinceEpoch: 1_767_227_985)
        let kept = TouchTrace(evidence: "click", touchID: .number(7369), referrer: "R009105", at: at, code: "", excluded: nil)
        XCTAssertEqual(written(kept), #"[{"evidence":"click","id":"7369","referrer":"R009105","at":"2026-01-01T00:39:45Z","kept":true}]"#)
        var old = kept
        old.exclusion = .beyondLookback(age: 31 * 86_400 + 7_200, lookback: 30 * 86_400)
        XCTAssertEqual(written(old), #"[{"evidence":"click","id":"7369","referrer":"R009105","at":"2026-01-01T00:39:45Z","kept":false,"#
            + #""excluded":"older than the lookback: "# + Value.durationText(31 * 86_400 + 7_200) + " before the order, lookback "
            + Value.durationText(30 * 86_400) + #""}]"#)
    }

    func testOtherTouchesAreLeftToTheGeneralWriter() {
        let at = Timestamp(secondsSinceEpoch: 1_767_227_985)
        XCTAssertNil(written(TouchTrace(evidence: "code", touchID: .number(1), referrer: "R1", at: at, code: "SAVE", excluded: nil)))
        XCTAssertNil(written(TouchTrace(evidence: "click", touchID: .number(1), referrer: "R1", at: at, code: "SAVE", excluded: nil)))
        XCTAssertNil(written(TouchTrace(evidence: "click", id: "c-1", referrer: "R1", at: at, code: "", excluded: nil)))
        XCTAssertNil(written(TouchTrace(evidence: "click", touchID: .number(1), referrer: "R\"1", at: at, code: "", excluded: nil)))
        XCTAssertNil(written(TouchTrace(evidence: "click", touchID: .number(1), referrer: "R1", at: at, code: "", excluded: "bot traffic")))
        XCTAssertNil(written(TouchTrace(evidence: "click", touchID: .number(1), referrer: "R1", at: Timestamp(secondsSinceEpoch: 300_000_000_000),
                                        code: "", excluded: nil)))
    }

    func testRandomClicksReadBackAsTheirFields() throws {
        var random = SeededRandom(seed: 11)
        for _ in 0..<500 {
            let id = Int64(random.below(1_000_000_000))
            let referrer = ["R0", "partner-\(random.below(99))", "é\(random.below(9))", String(repeating: "x", count: random.below(40))][random.below(4)]
            let at = Timestamp(secondsSinceEpoch: Int64(random.below(4_000_000_000)) - 1_000_000_000)
            var touch = TouchTrace(evidence: "click", touchID: .number(id), referrer: referrer, at: at, code: "", excluded: nil)
            if random.below(2) == 0 { touch.exclusion = .beyondLookback(age: Int64(random.below(90_000_000)), lookback: Int64(random.below(9_000_000))) }
            let text = try XCTUnwrap(written(touch))
            let object = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])?.first)
            XCTAssertEqual(object["evidence"] as? String, "click")
            XCTAssertEqual(object["id"] as? String, String(id))
            XCTAssertEqual(object["referrer"] as? String, referrer)
            XCTAssertEqual(object["at"] as? String, Value.timestampText(at))
            XCTAssertEqual(object["kept"] as? Bool, touch.isKept)
            XCTAssertEqual(object["excluded"] as? String, touch.excluded)
            XCTAssertEqual(object.count, touch.isKept ? 5 : 6)
        }
    }
}
