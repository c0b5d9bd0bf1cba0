@testable import TallyRun
import TallyValues
import XCTest

/// A decision's trace is boxed while whole and slimmed once rendered: decisions must keep
/// value semantics (a copy never sees another's changes), and a slimmed decision must
/// still give what statements and the summary read.
final class DecisionStorageTests: XCTestCase {
    func decision() -> Decision {
        let facts = OrderFacts(id: "A", at: Timestamp(secondsSinceEpoch: 100), localDate: CivilDate(year: 2026, month: 3, day: 1)!, channel: "shop",
                               customer: "c", isNewCustomer: true, currency: "USD", net: 1000, netMinorUnits: 2, rate: nil, convertedNet: 1000)
        let check = FraudTrace(subject: "order", action: "hold", reason: "big", condition: "order.net > 5", saw: [], location: "p.tally:3")
        let trace = DecisionTrace(order: facts, touches: [], evidence: "click", model: "last touch", weights: [("R1", "1")],
                                  credit: CreditTrace(weight: "1", share: "100%", net: 1000, gross: 1000, shipping: 0, arithmetic: "all"),
                                  fraud: [check], rules: [], adjustments: [], resolution: nil)
        return Decision(order: "A", referrer: "R1", referrerIndex: 0, orderAt: facts.at, orderDate: facts.localDate, status: .payable,
                        ruleTotal: 100, amount: 100, payableOn: nil, reason: nil, lines: [], trace: trace)
    }

    func testACopyNeverSeesTheOthersTraceChanges() {
        let original = decision()
        var copy = original
        copy.trace.resolution = "released"
        copy.trace.adjustments.append(AdjustmentTrace(kind: "cap", rule: "limit", before: 100, after: 50, note: "n"))
        XCTAssertNil(original.trace.resolution)
        XCTAssertTrue(original.trace.adjustments.isEmpty)
        XCTAssertEqual(copy.trace.resolution, "released")
        XCTAssertEqual(copy.trace.adjustments.count, 1)
        // Changed again when no longer shared, in place.
        var alone = decision()
        alone.trace.evidence = "coupon"
        alone.trace.evidence += "!"
        XCTAssertEqual(alone.trace.evidence, "coupon!")
    }

    func testASlimmedDecisionKeepsTheChannelAndTheFraudChecks() {
        var slim = decision()
        let whole = slim
        slim.slimmed()
        XCTAssertEqual(slim.orderChannel, "shop")
        XCTAssertEqual(slim.fraudChecks.map(\.reason), ["big"])
        XCTAssertEqual(slim.trace.order.channel, "shop")
        XCTAssertEqual(slim.trace.fraud.map(\.reason), ["big"])
        XCTAssertTrue(slim.trace.touches.isEmpty && slim.trace.weights.isEmpty)
        XCTAssertEqual(whole.trace.evidence, "click", "the copy made before slimming keeps the whole trace")
        XCTAssertEqual(slim.amount, whole.amount)
    }

    /// A trace taken out and put back leaves the decision as it was, and a copy made
    /// before (sharing the trace's box) never sees it go.
    func testATraceTakenOutAndPutBackLeavesTheDecisionAsItWas() {
        var decision = decision()
        let copy = decision
        let trace = decision.takeTrace()
        XCTAssertEqual(trace.evidence, "click")
        XCTAssertEqual(trace.fraud.map(\.reason), ["big"])
        XCTAssertEqual(decision.trace.evidence, "", "an empty trace stands in while it is out")
        XCTAssertEqual(copy.trace.evidence, "click", "the copy keeps its own")
        XCTAssertEqual(copy.fraudChecks.map(\.reason), ["big"])
        decision.restoreTrace(trace)
        XCTAssertEqual(decision.trace.evidence, "click")
        XCTAssertEqual(decision.trace.weights.map(\.referrer), ["R1"])
        XCTAssertEqual(decision.orderChannel, "shop")
    }

    /// Handing a decision over whole leaves the same decision, slimmed, in its place.
    func testTakingTheWholeDecisionLeavesItSlimmed() {
        var kept = decision()
        kept.reason = "why"
        kept.lines = [RuleLine(rule: "rate", amount: 100)]
        let whole = kept.takeWholeLeavingSlim()
        XCTAssertEqual(whole.trace.evidence, "click")
        XCTAssertEqual(whole.trace.weights.map(\.referrer), ["R1"])
        XCTAssertTrue(kept.trace.weights.isEmpty, "the decision left behind is slim")
        XCTAssertEqual(kept.orderChannel, "shop")
        XCTAssertEqual(kept.fraudChecks.map(\.reason), ["big"])
        for decision in [whole, kept] {
            XCTAssertEqual(decision.id, "A/R1")
            XCTAssertEqual([decision.amount, decision.ruleTotal], [100, 100])
            XCTAssertEqual(decision.status, .payable)
            XCTAssertEqual(decision.reason, "why")
            XCTAssertEqual(decision.lines, [RuleLine(rule: "rate", amount: 100)])
            XCTAssertEqual(decision.orderAt, Timestamp(secondsSinceEpoch: 100))
            XCTAssertEqual(decision.orderDate, CivilDate(year: 2026, month: 3, day: 1))
            XCTAssertEqual(decision.referrerIndex, 0)
        }
    }

    /// A referrer's whole credit is kept as its id alone (`WeightFacts.whole`), and reads
    /// as the one pair it stands for; a change to the weights keeps them as listed.
    func testAWholeCreditReadsAsItsOnePairOfWeight() {
        var trace = decision().trace
        trace.weightFacts = .whole(referrer: "R7")
        XCTAssertEqual(trace.weights.map(\.referrer), ["R7"])
        XCTAssertEqual(trace.weights.map(\.weight), ["1"])
        trace.weights.append((referrer: "R8", weight: "1/2"))
        guard case .listed(let listed) = trace.weightFacts else { return XCTFail("weights changed in place stay a list") }
        XCTAssertEqual(listed.map(\.referrer), ["R7", "R8"])
        XCTAssertEqual(listed.map(\.weight), ["1", "1/2"])
    }

    /// A rule's pay clauses are kept without an array while there is one (`PaymentFacts`),
    /// and read as the list they stand for however many there are.
    func testPayClausesReadAsTheirListWhateverTheirCount() {
        let names = RuleNames(rule: "r", title: "R", location: "p.tally:1")
        var trace = RuleTrace(names: names, outcome: .paid, failed: nil, label: nil, saw: [], replacedBy: nil, amount: 5, paymentFacts: .none)
        XCTAssertTrue(trace.payments.isEmpty)
        let clauses = (1...3).map { PaymentArithmetic.fixed(payment: "pay \($0) USD", amount: Int64($0 * 100), digits: 2) }
        trace.paymentFacts.append(clauses[0])
        guard case .one = trace.paymentFacts else { return XCTFail("one clause is kept inline") }
        XCTAssertEqual(trace.arithmetic, ["pay 1 USD: 1.00"])
        trace.paymentFacts.append(clauses[1])
        trace.paymentFacts.append(clauses[2])
        XCTAssertEqual(trace.payments, clauses)
        trace.payments = [clauses[2]]
        guard case .one(let only) = trace.paymentFacts else { return XCTFail("a list of one is kept inline") }
        XCTAssertEqual(only, clauses[2])
        trace.arithmetic = []
        guard case .none = trace.paymentFacts else { return XCTFail("no clause") }
    }

    /// The words `Decision.prefetchTrace` and `prefetchTraceArrays` read as raw memory are
    /// the trace's box and the arrays' storage: were the layout to change, the prefetches
    /// would ask for the wrong memory (harmless, but no longer of use).
    func testTheWordsReadForPrefetchingAreTheBoxAndTheArrays() {
        var decision = decision()
        decision.lines = [RuleLine(rule: "rate", amount: 100)]
        decision.trace.touches = [TouchTrace(evidence: "click", id: "7", referrer: "R1", at: decision.orderAt, code: "", excluded: nil)]
        decision.trace.rules = [RuleTrace(names: RuleNames(rule: "rate", title: "Rate", location: "p.tally:1"), outcome: .paid, failed: nil,
                                          label: nil, saw: [], replacedBy: nil, amount: 100, paymentFacts: .none)]
        func storage<Element>(_ array: [Element]) -> UnsafeRawPointer {
            array.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) - 32 }
        }
        guard case .whole(let box) = decision.storedTrace else { return XCTFail("the trace is whole") }
        withUnsafePointer(to: &decision) { pointer in
            let raw = UnsafeRawPointer(pointer)
            XCTAssertEqual(Decision.traceBox(pointer), UnsafeRawPointer(Unmanaged.passUnretained(box).toOpaque()))
            XCTAssertEqual(raw.load(fromByteOffset: Decision.Layout.lines, as: UnsafeRawPointer.self), storage(pointer.pointee.lines))
            let boxed = Decision.traceBox(pointer)!
            XCTAssertEqual(boxed.load(fromByteOffset: Decision.Layout.boxHeader + Decision.Layout.touches, as: UnsafeRawPointer.self),
                           storage(box.value.touches))
            XCTAssertEqual(boxed.load(fromByteOffset: Decision.Layout.boxHeader + Decision.Layout.rules, as: UnsafeRawPointer.self),
                           storage(box.value.rules))
        }
        decision.slimmed()
        withUnsafePointer(to: &decision) { XCTAssertNil(Decision.traceBox($0), "a slimmed trace has no box") }
    }

    /// Fraud rates count decisions by referrer and by channel, flagged or not, whatever
    /// order they come in: by the referrer's text even when two referrers share an index.
    func testFraudTallyCountsByReferrerAndChannel() {
        func make(_ referrer: String, index: Int32, channel: String, flagged: Bool) -> Decision {
            var decision = decision()
            decision.referrer = referrer
            decision.referrerIndex = index
            decision.trace.order.channel = channel
            if !flagged { decision.trace.fraud = [] }
            return decision
        }
        let decisions = [make("R1", index: 0, channel: "shop", flagged: true), make("R2", index: 5, channel: "", flagged: false),
                         make("R1", index: 0, channel: "amazon", flagged: false), make("R9", index: 0, channel: "shop", flagged: true),
                         make("R2", index: 5, channel: "shop", flagged: true)]
        var tally = FraudTally()
        tally.count(decisions)
        XCTAssertEqual(tally.byReferrer.mapValues { [$0.total, $0.flagged] }, ["R1": [2, 1], "R2": [2, 1], "R9": [1, 1]])
        XCTAssertEqual(tally.byChannel.mapValues { [$0.total, $0.flagged] }, ["shop": [3, 3], "amazon": [1, 0], "(none)": [1, 0]])
    }

    /// A failed condition's values are kept inline when there is one: read as pairs, set
    /// as pairs or added one by one, they are the same pairs in the same order.
    func testTheValuesAConditionSawAreThePairsWhateverTheirStorage() {
        func names(_ facts: SawFacts) -> [String] { facts.pairs.map { $0.0 + "=" + $0.1 } }
        XCTAssertEqual(names(SawFacts([])), [])
        XCTAssertEqual(names(SawFacts([("a", "1")])), ["a=1"])
        guard case .one = SawFacts([("a", "1")]) else { return XCTFail("one pair is kept inline") }
        XCTAssertEqual(names(SawFacts([("a", "1"), ("b", "2")])), ["a=1", "b=2"])
        var grown = SawFacts.none
        for (name, value) in [("x", "1"), ("y", "2"), ("z", "3")] {
            XCTAssertFalse(grown.contains(name))
            grown.append(name, value)
            XCTAssertTrue(grown.contains(name))
        }
        XCTAssertEqual(names(grown), ["x=1", "y=2", "z=3"])
        var trace = RuleTrace(names: RuleNames(rule: "r", title: "R", location: "p.tally:1"), outcome: .notMatched, saw: [("a", "1")],
                              paymentFacts: .none)
        XCTAssertEqual(trace.saw.map(\.0), ["a"])
        trace.saw = [("a", "1"), ("b", "2")]
        XCTAssertEqual(names(trace.sawFacts), ["a=1", "b=2"])
        trace.saw = []
        guard case .none = trace.sawFacts else { return XCTFail("no pairs, no storage") }
    }
}
