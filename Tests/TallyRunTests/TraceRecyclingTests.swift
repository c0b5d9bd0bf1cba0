import Foundation
@testable import TallyAudit
import TallyDriver
@testable import TallyRun
import TallyTestSupport
import TallyValues
import XCTest

/// The renderer empties the traces it rendered and the runner fills the same boxes again
/// (`TraceRecycler`): the records must be the same bytes as with traces made afresh, and a
/// box another decision still holds must never be emptied.
final class TraceRecyclingTests: XCTestCase {
    func testTracesFilledAgainRenderTheSameRecords() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-recycle-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let project = try Golden.acmeProject(in: folder)
        let load = ProjectLoad.load(project.path)
        let loaded = try XCTUnwrap(load.loaded)
        let plan = loaded.plan
        // Acme run twelve times over, through one stream and one recycler: the later runs
        // fill the boxes of the earlier runs' decisions (batches of 256 come back while
        // the runs go on).
        let rounds = 12
        for detail in TraceDetail.allCases {
            let fresh = Runner.run(plan, ledgers: loaded.ledgers, traceDetail: detail)
            let expected = try ledger(fresh, load, detail: detail, redactor: nil, rounds: rounds, renderAheadAt: Int.max)
            XCTAssertGreaterThan(fresh.decisions.count * rounds, 512, "\(detail)")
            let header = RunHeader(program: plan.name, rules: loaded.rules, rulesVersion: plan.rulesVersion, inputs: loaded.inputDigests,
                                   asOf: fresh.asOf, asOfSource: "test", redactionKey: nil, tokenKeys: loaded.tokenKeys, traceDetail: detail)
            // The renderer alone, the runner alone, and both.
            for renderAheadAt in [Int.max, 0, 1] {
                let recycler = TraceRecycler()
                let stream = DecisionLog.Stream(plan: plan, header: header, redactor: nil, file: nil, comparison: nil, renderAheadAt: renderAheadAt,
                                                recycler: recycler)
                for _ in 0..<rounds {
                    let run = Runner.run(plan, ledgers: loaded.ledgers, sink: stream.receive, recycler: recycler, keepTraces: false, traceDetail: detail)
                    XCTAssertEqual(run.decisions.count, fresh.decisions.count)
                }
                var log = stream.finish(adjustments: fresh.adjustments)
                log.close()
                let what = "\(detail), the runner rendering ahead at \(renderAheadAt)"
                assertSame(log.bytes, expected, what)
                XCTAssertGreaterThan(recycler.reused, fresh.decisions.count, what + ": boxes filled again")
            }
        }
    }

    func testABoxAnotherDecisionHoldsIsNeverEmptied() {
        let facts = OrderFacts(id: "A", at: Timestamp(secondsSinceEpoch: 100), localDate: CivilDate(year: 2026, month: 3, day: 1)!, channel: "shop",
                               customer: "c", isNewCustomer: true, currency: "USD", net: 1000, netMinorUnits: 2, rate: nil, convertedNet: 1000)
        let touch = TouchTrace(evidence: "click", id: "k1", referrer: "R1", at: facts.at, code: "", excluded: nil)
        let trace = DecisionTrace(order: facts, touches: [touch], evidence: "click", model: "last touch", weights: [("R1", "1")],
                                  credit: CreditTrace(weight: "1", share: "100%", net: 1000, gross: 1000, shipping: 0, arithmetic: "all"),
                                  fraud: [], rules: [], adjustments: [], resolution: nil)
        let kept = Decision(order: "A", referrer: "R1", referrerIndex: 0, orderAt: facts.at, orderDate: facts.localDate, status: .payable,
                            ruleTotal: 100, amount: 100, payableOn: nil, reason: nil, lines: [], trace: trace)
        // Handed over as a copy (a run that keeps its traces), its box is shared: it is not
        // rendered this way, and nothing changes.
        var handed = kept
        var emptied = EmptiedTraces()
        var rendered = 0
        XCTAssertFalse(handed.renderThenRecycle(into: &emptied) { _, _ in rendered += 1 })
        XCTAssertEqual(rendered, 0)
        XCTAssertEqual(emptied.count, 0)
        XCTAssertEqual(handed.trace.touches, [touch])
        // Taking the trace out (as the renderer then does) copies the shared box: that copy
        // alone is rendered, emptied and handed back.
        let taken = handed.takeTrace()
        handed.restoreTrace(taken)
        XCTAssertTrue(handed.renderThenRecycle(into: &emptied) { decision, trace in
            XCTAssertEqual(decision.order, "A")
            XCTAssertEqual(trace.touches, [touch])
            XCTAssertEqual(trace.order.id, "A")
            rendered += 1
        })
        XCTAssertEqual(rendered, 1)
        XCTAssertEqual(emptied.count, 1)
        XCTAssertEqual(kept.trace.touches, [touch])
        XCTAssertEqual(kept.trace.order.id, "A")
        XCTAssertTrue(handed.trace.touches.isEmpty)
        // The emptied box is empty, and filled again it holds the new trace alone.
        let recycler = TraceRecycler()
        recycler.give(&emptied)
        XCTAssertEqual(emptied.count, 0)
        XCTAssertEqual(recycler.waiting, 1)
        let box = recycler.take()!
        XCTAssertTrue(box.value.touches.isEmpty)
        XCTAssertTrue(box.value.adjustments.isEmpty)
        XCTAssertNil(box.value.resolution)
        let other = TouchTrace(evidence: "coupon", id: "SAVE", referrer: "R2", at: facts.at, code: "SAVE", excluded: nil)
        var refilled = Decision(order: "B", referrer: "R2", referrerIndex: 1, orderAt: facts.at, orderDate: facts.localDate, filling: box,
                                facts: facts, touches: [other], evidence: "coupon", model: "last touch", weightFacts: .whole(referrer: "R2"),
                                credit: trace.credit, fraud: [])
        refilled.trace.rules.append(RuleTrace(names: RuleNames(rule: "r", title: "R", location: "p.tally:1"), outcome: .paid, saw: [],
                                              paymentFacts: .none))
        XCTAssertEqual(refilled.trace.touches, [other])
        XCTAssertEqual(refilled.trace.rules.count, 1)
        XCTAssertEqual(refilled.trace.evidence, "coupon")
        guard case .whole(referrer: "R2") = refilled.trace.weightFacts else { return XCTFail("the weights are the new decision's") }
        XCTAssertEqual(kept.trace.touches, [touch])
        XCTAssertEqual(recycler.reused, 1)
    }
}
