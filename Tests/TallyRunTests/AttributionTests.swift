import TallyRun
import XCTest

/// DESIGN.md, "Evidence and attribution": one test per rule.
final class AttributionTests: XCTestCase {
    let flat = "rule base {\n  pay 10% of credit.net\n}\n"

    func testLookbackIsInclusiveAtTheBoundaryAndNotOneSecondPast() throws {
        var scenario = Scenario("attribution {\n  model last_touch\n  lookback 30 days\n}\n" + flat)
        scenario.clicks += "c1,2026-01-01T00:00:00Z,R1,ann\nc2,2026-01-01T00:00:00Z,R2,bob\n"
        scenario.orders += "A,2026-01-31T00:00:00Z,ann,X,1,100.00\nB,2026-01-31T00:00:01Z,bob,X,1,100.00\n"
        let run = try scenario.run()
        XCTAssertEqual(run.summaryLines, ["A/R1 payable 10.00"])
        XCTAssertEqual(run.result?.unattributed, ["B"])
        let trace = try XCTUnwrap(run.result?.decisions.first?.trace.touches.first)
        XCTAssertNil(trace.excluded)
    }

    func testSameInstantTiesGoToTheLaterInputRow() throws {
        var scenario = Scenario("attribution {\n  model last_touch\n}\n" + flat)
        scenario.clicks += "c1,2026-01-01T10:00:00Z,R1,ann\nc2,2026-01-01T10:00:00Z,R2,ann\n"
        scenario.orders += "A,2026-01-02T00:00:00Z,ann,X,1,100.00\n"
        XCTAssertEqual(try scenario.run().summaryLines, ["A/R2 payable 10.00"])
        scenario.clicks = "id,at,referrer,customer\nc2,2026-01-01T10:00:00Z,R2,ann\nc1,2026-01-01T10:00:00Z,R1,ann\n"
        XCTAssertEqual(try scenario.run().summaryLines, ["A/R1 payable 10.00"])
    }

    func testLargestRemainderSplitsTenDollarsOverThree() throws {
        var scenario = Scenario("attribution {\n  model linear\n}\nrule all {\n  pay 100% of credit.net\n}\n")
        scenario.clicks += "c1,2026-01-01T10:00:00Z,R3,ann\nc2,2026-01-01T11:00:00Z,R1,ann\nc3,2026-01-01T12:00:00Z,R2,ann\n"
        scenario.orders += "A,2026-01-02T00:00:00Z,ann,X,1,10.00\n"
        let run = try scenario.run()
        // 3.333… each; the spare cent goes to the referrer whose first touch is earliest.
        XCTAssertEqual(run.summaryLines, ["A/R3 payable 3.34", "A/R1 payable 3.33", "A/R2 payable 3.33"])
        XCTAssertEqual(run.decisions.map(\.trace.credit.net).reduce(0, +), 1000)
    }

    func testTimeDecayWeightsHalveEveryHalfLife() throws {
        var scenario = Scenario("attribution {\n  model time_decay(half_life: 1 day)\n}\nrule all {\n  pay 100% of credit.net\n}\n")
        scenario.clicks += "c1,2026-01-01T00:00:00Z,R1,ann\nc2,2026-01-02T00:00:00Z,R2,ann\nc3,2026-01-03T00:00:00Z,R3,ann\n"
        scenario.orders += "A,2026-01-03T00:00:00Z,ann,X,1,70.00\n"
        let run = try scenario.run()
        // Weights 1/4, 1/2, 1 of 7/4: 10.00, 20.00, 40.00.
        XCTAssertEqual(run.decisions.map(\.trace.credit.weight), ["0.25", "0.5", "1"])
        XCTAssertEqual(run.summaryLines, ["A/R1 payable 10.00", "A/R2 payable 20.00", "A/R3 payable 40.00"])
        // A fractional exponent: 12 hours is 2^-0.5.
        var half = Scenario("attribution {\n  model time_decay(half_life: 1 day)\n}\n" + flat)
        half.clicks += "c1,2026-01-01T12:00:00Z,R1,ann\n"
        half.orders += "A,2026-01-02T00:00:00Z,ann,X,1,70.00\n"
        XCTAssertEqual(try half.run().decisions.first?.trace.credit.weight, "0.707107")
    }

    func testPositionBasedWithOneTwoAndManyTouches() throws {
        let rules = "attribution {\n  model position_based(first: 40%, last: 40%)\n}\nrule all {\n  pay 100% of credit.net\n}\n"
        var one = Scenario(rules)
        one.clicks += "c1,2026-01-01T00:00:00Z,R1,ann\n"
        one.orders += "A,2026-01-02T00:00:00Z,ann,X,1,100.00\n"
        XCTAssertEqual(try one.run().summaryLines, ["A/R1 payable 100.00"])

        var two = Scenario(rules.replacingOccurrences(of: "last: 40%", with: "last: 20%"))
        two.clicks += "c1,2026-01-01T00:00:00Z,R1,ann\nc2,2026-01-01T01:00:00Z,R2,ann\n"
        two.orders += "A,2026-01-02T00:00:00Z,ann,X,1,90.00\n"
        XCTAssertEqual(try two.run().summaryLines, ["A/R1 payable 60.00", "A/R2 payable 30.00"], "first:last in their ratio 40:20")

        var many = Scenario(rules)
        many.clicks += "c1,2026-01-01T00:00:00Z,R1,ann\nc2,2026-01-01T01:00:00Z,R2,ann\nc3,2026-01-01T02:00:00Z,R3,ann\nc4,2026-01-01T03:00:00Z,R2,ann\nc5,2026-01-01T04:00:00Z,R1,ann\n"
        many.orders += "A,2026-01-02T00:00:00Z,ann,X,1,300.00\n"
        // R1 first 40% + last 40%; the middle 20% shared by three touches: R2 two of them, R3 one.
        XCTAssertEqual(try many.run().summaryLines, ["A/R1 payable 240.00", "A/R2 payable 40.00", "A/R3 payable 20.00"])
    }

    func testCouponBeatsClicksAndSurveyCountsOnlyAlone() throws {
        var scenario = Scenario(flat)
        scenario.clicks += "c1,2026-01-01T00:00:00Z,R1,ann\n"
        scenario.orders = "order,at,customer,sku,qty,price,promo_codes\nA,2026-01-02T00:00:00Z,ann,X,1,100.00,tom15\nB,2026-01-03T00:00:00Z,bob,X,1,100.00,\nC,2026-01-04T00:00:00Z,ann,X,1,100.00,\n"
        scenario.assignments = "code,referrer,valid_from,valid_until\nTOM15,R2,2026-01-01,2026-02-01\n"
        scenario.surveys = "order,answer,referrer\nB,a friend,R3\nC,podcast,R3\n"
        let run = try scenario.run()
        XCTAssertEqual(run.summaryLines, ["A/R2 payable 10.00", "B/R3 payable 10.00", "C/R1 payable 10.00"])
        let touches = try XCTUnwrap(run.decision("A/R2")).trace.touches
        XCTAssertEqual(touches.map(\.evidence), ["coupon", "click"])
        XCTAssertEqual(touches[1].excluded, "weaker evidence: `coupon` is present and ranks higher")
        XCTAssertEqual(run.decision("C/R1")?.trace.touches.last?.excluded, "weaker evidence: `click` is present and ranks higher")
    }

    func testClicksAreNotUsedUp() throws {
        var scenario = Scenario(flat)
        scenario.clicks += "c1,2026-01-01T00:00:00Z,R1,ann\n"
        scenario.orders += "A,2026-01-02T00:00:00Z,ann,X,1,100.00\nB,2026-01-03T00:00:00Z,ann,X,1,50.00\n"
        XCTAssertEqual(try scenario.run().summaryLines, ["A/R1 payable 10.00", "B/R1 payable 5.00"])
    }
}
