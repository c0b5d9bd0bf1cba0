import TallyDriver
import TallyRun
import TallyValues
import XCTest

/// DESIGN.md, "Rules and amounts": one test per rule.
final class RuleSemanticsTests: XCTestCase {

    func testReplacesDropsOnlyWhenTheReplacingRuleMatches() throws {
        let rules = """
            rule base {
              pay 8% of credit.net
            }
            rule gold replaces base {
              when referrer.tier == "gold"
              pay 12% of credit.net
            }
            rule platinum replaces gold {
              when referrer.tier == "platinum"
              pay 20% of credit.net
            }
            """
        var run = try Scenario.with(rules, orders: "A,2026-01-02T00:00:00Z,ann,X,1,100.00\n").run()
        XCTAssertEqual(run.decision("A/R1")?.lines.map(\.rule), ["gold"])
        XCTAssertEqual(run.decision("A/R1")?.trace.rules.map(\.outcome.rawValue), ["replaced", "paid", "not matched"])
        XCTAssertEqual(run.decision("A/R1")?.trace.rules.first?.replacedBy, "gold")
        // A silver referrer: gold does not match, so base is not replaced (and platinum replacing gold changes nothing).
        var silver = Scenario.with(rules, orders: "A,2026-01-02T00:00:00Z,ann,X,1,100.00\n")
        silver.referrers = "id,kind,tier\nR1,influencer,silver\n"
        run = try silver.run()
        XCTAssertEqual(run.decision("A/R1")?.lines.map(\.rule), ["base"])
    }

    /// Tables of one, two and three keys give the row whose keys all match, else the
    /// default.
    func testTablesOfOneTwoAndThreeKeys() throws {
        let rules = """
            table by_kind(kind: string) -> percent {
              "influencer" -> 3%
              default -> 1%
            }
            table by_kind_tier(kind: string, tier: string) -> percent {
              "influencer", "silver" -> 5%
              "influencer", "gold" -> 10%
              "affiliate", "gold" -> 7%
              default -> 2%
            }
            table by_three(kind: string, tier: string, id: string) -> percent {
              "influencer", "gold", "R2" -> 30%
              "influencer", "gold", "R1" -> 20%
              default -> 4%
            }
            rule one {
              pay by_kind[referrer.kind] of credit.net
            }
            rule two {
              pay by_kind_tier[referrer.kind, referrer.tier] of credit.net
            }
            rule three {
              pay by_three[referrer.kind, referrer.tier, referrer.id] of credit.net
            }
            """
        let orders = "A,2026-01-02T00:00:00Z,ann,X,1,100.00\nB,2026-01-03T00:00:00Z,bob,X,1,100.00\n"
        let clicks = "c1,2026-01-01T00:00:00Z,R1,ann\nc2,2026-01-01T00:00:00Z,R2,bob\n"
        let run = try Scenario.with(rules, orders: orders, clicks: clicks).run()
        // R1 is an influencer, gold; R2 an affiliate, silver.
        XCTAssertEqual(run.decision("A/R1")?.lines.map(\.amount), [3_00, 10_00, 20_00])
        XCTAssertEqual(run.decision("B/R2")?.lines.map(\.amount), [1_00, 2_00, 4_00])
    }

    func testEffectiveDatesAreLocalMidnightInTheProgramZone() throws {
        var scenario = Scenario.with("rule spring {\n  effective 2026-03-01 until 2026-04-01\n  pay 1 USD\n}\n", orders: """
            A,2026-03-01T04:59:59Z,ann,X,1,10.00
            B,2026-03-01T05:00:00Z,ann,X,1,10.00
            C,2026-04-01T03:59:59Z,ann,X,1,10.00
            D,2026-04-01T04:00:00Z,ann,X,1,10.00

            """, clicks: "c1,2026-02-28T00:00:00Z,R1,ann\nc2,2026-03-31T00:00:00Z,R1,ann\n")
        scenario.timezone = "America/New_York"
        let run = try scenario.run()
        // New York is UTC-5 on March 1 and UTC-4 (daylight time) on April 1.
        XCTAssertEqual(run.summaryLines, ["A/R1 no_rule 0.00", "B/R1 payable 1.00", "C/R1 payable 1.00", "D/R1 no_rule 0.00"])
        XCTAssertEqual(run.decision("A/R1")?.trace.rules.first?.outcome, .notEffective)
    }

    func testFixedAmountsAreScaledByTheShare() throws {
        let run = try Scenario.with("attribution {\n  model linear\n}\nrule bonus {\n  pay 5 USD\n}\n", orders: "A,2026-01-02T00:00:00Z,ann,X,1,10.00\n",
                               clicks: "c1,2026-01-01T00:00:00Z,R1,ann\nc2,2026-01-01T01:00:00Z,R2,ann\nc3,2026-01-01T02:00:00Z,R3,ann\n").run()
        XCTAssertEqual(run.summaryLines, ["A/R1 payable 1.67", "A/R2 payable 1.67", "A/R3 payable 1.67"])
    }

    func testEachRuleLineRoundsHalfEven() throws {
        // 0.50% of 1.00 = 0.005 -> 0.00 (even); 1.50% of 1.00 = 0.015 -> 0.02 (even).
        let run = try Scenario.with("rule a {\n  pay 0.5% of credit.net\n}\nrule b {\n  pay 1.5% of credit.net\n}\n",
                               orders: "A,2026-01-02T00:00:00Z,ann,X,1,1.00\n").run()
        XCTAssertEqual(run.decision("A/R1")?.lines.map(\.amount), [0, 2])
        XCTAssertEqual(run.decision("A/R1")?.amount, 2)
    }

    func testNoRuleGivesAnAnswer() throws {
        let run = try Scenario.with("rule agencies {\n  when referrer.kind == \"agency\"\n  pay 5% of credit.net\n}\n",
                               orders: "A,2026-01-02T00:00:00Z,ann,X,1,10.00\n").run()
        XCTAssertEqual(run.summaryLines, ["A/R1 no_rule 0.00"])
        XCTAssertEqual(run.decision("A/R1")?.trace.rules.first?.failed, "referrer.kind == \"agency\"")
    }

    func testPerLineAndPerUnitRoundOncePerRule() throws {
        let run = try Scenario.with("rule tents {\n  pay 3 USD per line where line.sku in [\"T1\", \"T2\"]\n  pay 0.5 USD per unit where line.sku == \"T2\"\n}\n",
                               orders: "A,2026-01-02T00:00:00Z,ann,T1,2,10.00\nA,2026-01-02T00:00:00Z,ann,T2,3,10.00\nA,2026-01-02T00:00:00Z,ann,S,1,10.00\n").run()
        XCTAssertEqual(run.decision("A/R1")?.amount, 3_00 + 3_00 + 1_50)
    }

    func testNewCustomerIsTheFirstNonCancelledOrder() throws {
        let run = try Scenario.with("rule first {\n  when customer.is_new\n  pay 5 USD\n}\n", orders: "",
                               clicks: "c1,2026-01-01T00:00:00Z,R1,ann\n").run(orders: """
            order,at,customer,sku,qty,price,status
            A,2026-01-02T00:00:00Z,ann,X,1,10.00,cancelled
            B,2026-01-03T00:00:00Z,ann,X,1,10.00,shipped
            C,2026-01-04T00:00:00Z,ann,X,1,10.00,shipped

            """)
        XCTAssertEqual(run.summaryLines, ["B/R1 payable 5.00", "C/R1 no_rule 0.00"])
        XCTAssertEqual(run.result?.cancelled, ["A"])
    }

    func testOrdersInAnotherCurrencyAreConvertedBeforeTheSplit() throws {
        var scenario = Scenario.with("rule base {\n  pay 10% of credit.net\n}\n", orders: "")
        scenario.orders = "order,at,customer,sku,qty,price,currency\nA,2026-01-02T00:00:00Z,ann,X,1,348.25,CAD\n"
        scenario.fx = "date,currency,rate\n2026-01-02,CAD,0.7312\n"
        let run = try scenario.run()
        XCTAssertEqual(run.summaryLines, ["A/R1 payable 25.46"])
        let facts = try XCTUnwrap(run.decision("A/R1")?.trace.order)
        XCTAssertEqual(facts.net, 348_25)
        XCTAssertEqual(facts.convertedNet, 254_64)
        XCTAssertEqual(facts.rate?.description, "0.7312")
    }

    func testAsOfIgnoresLaterEvents() throws {
        let run = try Scenario.with("rule base {\n  pay 10% of credit.net\n}\n", orders: "A,2026-01-02T00:00:00Z,ann,X,1,100.00\nB,2026-01-05T00:00:00Z,ann,X,1,100.00\n")
            .run(asOf: "2026-01-03T00:00:00Z")
        XCTAssertEqual(run.summaryLines, ["A/R1 payable 10.00"])
        XCTAssertEqual(run.result?.ordersAfterAsOf, 1)
    }

    func testMarginalTiersSplitTheCreditAcrossBands() throws {
        let rules = "tiers volume marginal by revenue per month {\n  0 USD -> 5%\n  100 USD -> 10%\n}\nrule bonus {\n  pay volume of credit.net\n}\n"
        let run = try Scenario.with(rules, orders: "A,2026-01-02T00:00:00Z,ann,X,1,80.00\nB,2026-01-03T00:00:00Z,ann,X,1,40.00\nC,2026-02-01T00:00:00Z,ann,X,1,40.00\n",
                               clicks: "c1,2026-01-01T00:00:00Z,R1,ann\nc2,2026-01-31T00:00:00Z,R1,ann\n").run()
        // B: 20.00 at 5% + 20.00 at 10% = 3.00; February starts again at 5%.
        XCTAssertEqual(run.summaryLines, ["A/R1 payable 4.00", "B/R1 payable 3.00", "C/R1 payable 2.00"])
    }

    func testRetroactiveTiersTopUpTheEarlierOrdersOfThePeriod() throws {
        let rules = "tiers streak retroactive by orders per month {\n  0 -> 5%\n  2 -> 10%\n}\nrule bonus {\n  pay streak of credit.net\n}\n"
        let run = try Scenario.with(rules, orders: "A,2026-01-02T00:00:00Z,ann,X,1,100.00\nB,2026-01-03T00:00:00Z,ann,X,1,50.00\n").run()
        // The threshold value is inside the higher band: B is the 2nd order, so 10%.
        XCTAssertEqual(run.summaryLines, ["A/R1 payable 5.00", "B/R1 payable 5.00"])
        let topUp = try XCTUnwrap(run.result?.adjustments.first)
        XCTAssertEqual(topUp.kind, .tierAdjustment)
        XCTAssertEqual(topUp.decision, "A/R1")
        XCTAssertEqual(topUp.amount, 5_00)
    }
}

extension Scenario {
    /// Runs with another orders file.
    func run(orders: String, file: StaticString = #filePath, line: UInt = #line) throws -> ProjectRun {
        var copy = self
        copy.orders = orders
        return try copy.run(file: file, line: line)
    }
}
