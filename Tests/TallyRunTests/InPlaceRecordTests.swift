import Foundation
@testable import TallyAudit
import TallyPlan
@testable import TallyRun
import TallySource
import TallyTestSupport
import TallyValues
import XCTest

/// Parts of decision records written whole in place have the bytes the member-by-member
/// writer gives: a click touch (`JSONWriter.clickTouch`) checked against literal lines and
/// against the touch's own fields for seeded-random clicks, kept or beyond the lookback;
/// a paid decision's head (`paidDecisionHead`) and a trace's order (`orderFacts`) against
/// literal lines. What they do not take (codes, ids as text, texts that need escaping,
/// words of exclusion, decisions not paid, conversions) is left to the general writer,
/// with nothing written. (The acme goldens and the bench's byte-identical outputs check
/// the two writers against each other on whole ledgers.)
final class InPlaceRecordTests: XCTestCase {
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

    private func decision(order: String = "10000002", referrer: String = "R010678", status: DecisionStatus = .payable,
                          lines: [RuleLine] = [RuleLine(rule: "rate", amount: 1758), RuleLine(rule: "bonus", amount: 500)]) -> Decision {
        let at = Timestamp(secondsSinceEpoch: 1_767_484_800)
        let facts = OrderFacts(id: order, at: at, localDate: CivilDate(daysSinceEpoch: 20_457), channel: "amazon", customer: "C00005546",
                               isNewCustomer: true, currency: "USD", net: 17_576, netMinorUnits: 2, rate: nil, convertedNet: 17_576)
        let trace = DecisionTrace(order: facts, touches: [], evidence: "click", model: "last_touch", weights: [],
                                  credit: CreditTrace(weight: "1", share: "100%", net: 17_576, gross: 17_576, shipping: 0, arithmetic: ""),
                                  fraud: [], rules: [], adjustments: [], resolution: nil)
        return Decision(order: order, referrer: referrer, referrerIndex: 0, orderAt: at, orderDate: CivilDate(daysSinceEpoch: 20_457),
                        status: status, ruleTotal: lines.reduce(0) { $0 + $1.amount }, amount: lines.reduce(0) { $0 + $1.amount },
                        payableOn: CivilDate(daysSinceEpoch: 20_457), reason: nil, lines: lines, trace: trace)
    }

    private func head(_ decision: Decision) -> String? {
        var out = JSONWriter()
        guard out.paidDecisionHead(decision, currency: "USD", digits: 2) else { return nil }
        return out.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    func testThePaidDecisionsHead() {
        XCTAssertEqual(head(decision()), #"{"id":"10000002/R010678","type":"decision","order":"10000002","referrer":"R010678","status":"payable","#
            + #""outcome":"paid by rate, bonus","amount":"22.58","rule_total":"22.58","currency":"USD","payable_on":"2026-01-04","#
            + #""lines":[{"rule":"rate","amount":"17.58"},{"rule":"bonus","amount":"5.00"}]"#)
        XCTAssertNil(head(decision(status: .held)))
        XCTAssertNil(head(decision(status: .capped)))
        XCTAssertNil(head(decision(order: "O\\1")))
        XCTAssertNil(head(decision(referrer: "R\"1")))
        XCTAssertNil(head(decision(lines: [RuleLine(rule: "a\u{1}", amount: 1)])))
    }

    func testTheTracesOrder() {
        let facts = decision().trace.order
        var out = JSONWriter()
        out.beginObject()
        XCTAssertTrue(out.orderFacts(facts, customer: "C00005546"))
        out.endObject()
        XCTAssertEqual(out.withBytes { String(decoding: $0, as: UTF8.self) },
                       #"{"order":{"id":"10000002","at":"2026-01-04T00:00:00Z","date":"2026-01-04","channel":"amazon","customer":"C00005546","#
                        + #""new_customer":true,"currency":"USD","net":"175.76"}}"#)
        var converted = facts
        converted.rate = ExactDecimal(significand: 108, scale: 2)
        XCTAssertFalse(out.orderFacts(converted, customer: "C00005546"))
        XCTAssertFalse(out.orderFacts(facts, customer: "quote\"d"))
    }
}
