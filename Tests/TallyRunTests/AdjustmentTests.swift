import TallyPlan
import TallyRun
import TallyValues
import XCTest

/// DESIGN.md, "Limits, holds, refunds" and fraud outcomes.
final class AdjustmentTests: XCTestCase {

    func testMonthlyCapCrossedMidOrderPaysTheRemainder() throws {
        let run = try Scenario.with("rule base {\n  pay 10% of credit.net\n}\nlimit 25 USD per referrer per month\n", orders: """
            A,2026-01-02T00:00:00Z,ann,X,1,200.00
            B,2026-01-03T00:00:00Z,ann,X,1,100.00
            C,2026-01-04T00:00:00Z,ann,X,1,100.00

            """).run()
        XCTAssertEqual(run.summaryLines, ["A/R1 payable 20.00", "B/R1 payable 5.00", "C/R1 capped 0.00"])
        let cap = try XCTUnwrap(run.decision("B/R1")?.trace.adjustments.first)
        XCTAssertEqual([cap.before, cap.after], [10_00, 5_00])
        XCTAssertEqual(run.decision("C/R1")?.reason, "limit 25 USD per referrer per month")
    }

    func testCapPeriodsFollowTheProgramTimeZone() throws {
        var scenario = Scenario.with("rule base {\n  pay 10% of credit.net\n}\nlimit 10 USD per referrer per month\n", orders: """
            A,2026-02-01T03:00:00Z,ann,X,1,100.00
            B,2026-02-01T06:00:00Z,ann,X,1,100.00

            """, clicks: "c1,2026-01-20T00:00:00Z,R1,ann\n")
        scenario.timezone = "America/New_York"
        // A is still January 31 in New York; B is February 1: two months, no cap.
        XCTAssertEqual(try scenario.run().summaryLines, ["A/R1 payable 10.00", "B/R1 payable 10.00"])
        scenario.timezone = "UTC"
        XCTAssertEqual(try scenario.run().summaryLines, ["A/R1 payable 10.00", "B/R1 capped 0.00"])
    }

    func testPerOrderLimitIsSharedInProportion() throws {
        let run = try Scenario.with("attribution {\n  model linear\n}\nrule base {\n  pay 30% of credit.net\n}\nrule agency {\n  when referrer.kind == \"agency\"\n  pay 10 USD\n}\nlimit 20 USD per order\n",
                               orders: "A,2026-01-02T00:00:00Z,ann,X,1,100.00\n",
                               clicks: "c1,2026-01-01T00:00:00Z,R1,ann\nc2,2026-01-01T01:00:00Z,R3,ann\n").run()
        // 15.00 + (15.00 + 5.00) = 35.00 over 20.00: 15/35 and 20/35 of 20.00 = 8.57 and 11.43.
        XCTAssertEqual(run.summaryLines, ["A/R1 payable 8.57", "A/R3 payable 11.43"])
    }

    func testRefundsDuringTheHoldReduceAndAfterItClawBack() throws {
        var scenario = Scenario.with("rule base {\n  pay 10% of credit.net\n}\nhold 30 days\n", orders: """
            A,2026-01-02T12:00:00Z,ann,X,1,100.00
            B,2026-01-02T13:00:00Z,ann,X,1,100.00

            """)
        scenario.refunds = "id,order,at,amount\nr1,A,2026-01-20T00:00:00Z,30.00\nr2,B,2026-02-10T00:00:00Z,30.00\nr3,A,2026-02-15T00:00:00Z,70.00\n"
        let run = try scenario.run()
        XCTAssertEqual(run.summaryLines, ["A/R1 payable 10.00", "B/R1 payable 10.00"])
        XCTAssertEqual(run.decision("A/R1")?.payableOn?.description, "2026-02-01")
        let records = try XCTUnwrap(run.result?.adjustments).map { "\($0.id) \($0.kind.rawValue) \($0.month) \(Value.moneyText($0.amount, digits: 2))" }
        XCTAssertEqual(records, [
            "A/R1/refund:r1 reduction 2026-02 -3.00",  // counted in the decision's month
            "B/R1/refund:r2 clawback 2026-02 -3.00",
            "A/R1/refund:r3 clawback 2026-02 -7.00",  // the parts add up to the whole 10.00
        ])
    }

    func testRefundsInPartsRoundCumulativelyAndAreClamped() throws {
        var scenario = Scenario.with("rule base {\n  pay 10% of credit.net\n}\n", orders: "A,2026-01-02T12:00:00Z,ann,X,1,10.00\n")
        // 1.00 paid; three refunds of 3.33, 3.33, 3.34 claw 0.33, 0.34, 0.33 (cumulative rounding), then 5.00 more is clamped.
        scenario.refunds = "id,order,at,amount\nr1,A,2026-01-03T00:00:00Z,3.33\nr2,A,2026-01-04T00:00:00Z,3.33\nr3,A,2026-01-05T00:00:00Z,3.34\nr4,A,2026-01-06T00:00:00Z,5.00\n"
        let run = try scenario.run()
        XCTAssertEqual(run.result?.adjustments.map(\.amount), [-33, -34, -33])
        XCTAssertEqual(run.result?.warnings.count, 1)
    }

    func testStatementsCarryBalancesBelowTheMinimum() throws {
        let run = try Scenario.with("rule base {\n  pay 10% of credit.net\n}\npayout monthly minimum 50 USD\n", orders: """
            A,2026-01-02T00:00:00Z,ann,X,1,300.00
            B,2026-01-25T00:00:00Z,ann,X,1,300.00

            """).run(asOf: "2026-02-28")
        let rows = try XCTUnwrap(run.result?.statements)
        XCTAssertEqual(rows.map { "\($0.month) in \($0.carriedIn) earned \($0.earned) paid \($0.paid) out \($0.carriedOut)" }, [
            "2026-01 in 0 earned 6000 paid 6000 out 0",
            "2026-02 in 0 earned 0 paid 0 out 0",
        ])
        let small = try Scenario.with("rule base {\n  pay 10% of credit.net\n}\npayout monthly minimum 50 USD\n", orders: "A,2026-01-02T00:00:00Z,ann,X,1,300.00\nB,2026-01-25T00:00:00Z,ann,X,1,250.00\n")
            .run(asOf: "2026-01-31")
        XCTAssertEqual(small.result?.statements.map(\.paid), [55_00], "inclusive minimum")
        let below = try Scenario.with("rule base {\n  pay 10% of credit.net\n}\npayout monthly minimum 50 USD\n", orders: "A,2026-01-02T00:00:00Z,ann,X,1,300.00\n")
            .run(asOf: "2026-01-31")
        XCTAssertEqual(below.result?.statements.map(\.carriedOut), [30_00])
    }

    func testFraudRejectsOnlyTheNamedReferrerAndHoldsWaitForReview() throws {
        var scenario = Scenario.with("""
            attribution {
              model linear
            }
            fraud {
              reject order "self-referral" when lower(order.customer.email) == lower(referrer.email)
              hold order "large order" when order.net > 500 USD
            }
            rule base {
              pay 10% of credit.net
            }
            """, orders: "", clicks: "c1,2026-01-01T00:00:00Z,R1,ann\nc2,2026-01-01T01:00:00Z,R2,ann\n")
        scenario.orders = "order,at,customer,email,sku,qty,price\nA,2026-01-02T00:00:00Z,ann,R1@X.com,X,1,100.00\nB,2026-01-03T00:00:00Z,ann,ann@y.com,X,1,600.00\n"
        let run = try scenario.run()
        XCTAssertEqual(run.summaryLines, ["A/R1 rejected 0.00", "A/R2 payable 5.00", "B/R1 held 30.00", "B/R2 held 30.00"])
        XCTAssertEqual(run.decision("A/R1")?.reason, "self-referral")
        XCTAssertEqual(run.decision("A/R1")?.trace.fraud.first?.saw.map(\.0), ["order.customer.email", "referrer.email"])
        XCTAssertNil(run.decision("B/R1")?.payableOn)
    }

    func testARejectedTouchLetsAnEarlierValidTouchWin() throws {
        var scenario = Scenario.with("""
            fraud {
              reject touch "click flooding" when count(clicks by touch.ip within 1 hour) > 2
            }
            rule base {
              pay 10% of credit.net
            }
            """, orders: "A,2026-01-02T00:00:00Z,ann,X,1,100.00\n")
        scenario.clicks = """
            id,at,referrer,customer,ip
            c1,2026-01-01T08:00:00Z,R2,ann,1.1.1.1
            c2,2026-01-01T10:00:00Z,R1,bot,9.9.9.9
            c3,2026-01-01T10:10:00Z,R1,bot,9.9.9.9
            c4,2026-01-01T10:20:00Z,R1,ann,9.9.9.9

            """
        let run = try scenario.run()
        XCTAssertEqual(run.summaryLines, ["A/R2 payable 10.00"])
        let flood = try XCTUnwrap(run.decision("A/R2")?.trace.touches.first { $0.id == "c4" })
        XCTAssertEqual(flood.excluded, "rejected by fraud check \"click flooding\" (p.tally:5): count(clicks by touch.ip within 1 hour) > 2; saw count(clicks by touch.ip within 1 hour) = 3, touch.ip = \"9.9.9.9\"")
    }
}
