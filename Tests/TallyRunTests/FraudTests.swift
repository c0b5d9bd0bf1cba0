import TallyDriver
import TallyLedgers
import TallyRun
import XCTest

/// DESIGN.md, "Fraud": each signal at its threshold and one past it, window edges, and
/// review holds resolved by a resolutions file.
final class FraudTests: XCTestCase {
    let pay = "rule base {\n  pay 10% of credit.net\n}\n"

    /// Clicks `c1…cN` from one ip, one minute apart, the last one a customer's.
    func flood(_ count: Int, window: String) throws -> ProjectRun {
        var scenario = Scenario("fraud {\n  reject touch \"click flooding\" when count(clicks by touch.ip within \(window)) > 3\n}\n" + pay)
        scenario.clicks = "id,at,referrer,customer,ip\nc0,2026-01-01T08:00:00Z,R2,ann,1.1.1.1\n"
        for index in 1...count {
            let minute = index < 10 ? "0\(index)" : "\(index)"
            scenario.clicks += "c\(index),2026-01-01T10:\(minute):00Z,R1,\(index == count ? "ann" : "bot"),9.9.9.9\n"
        }
        scenario.orders += "A,2026-01-02T00:00:00Z,ann,X,1,100.00\n"
        return try scenario.run()
    }

    func testClickCountAtTheThresholdAndOnePast() throws {
        XCTAssertEqual(try flood(3, window: "1 hour").summaryLines, ["A/R1 payable 10.00"], "3 clicks: not more than 3")
        XCTAssertEqual(try flood(4, window: "1 hour").summaryLines, ["A/R2 payable 10.00"], "4 clicks: the last touch is rejected, the earlier valid one wins")
    }

    func testWindowsIncludeTheEventExactlyOneWindowEarlier() throws {
        // Clicks at 10:01 … 10:04: a 3-minute window ending 10:04 starts at 10:01 and includes it.
        XCTAssertEqual(try flood(4, window: "3 minutes").summaryLines, ["A/R2 payable 10.00"])
        // A 2-minute window starts at 10:02: three clicks, not flagged.
        XCTAssertEqual(try flood(4, window: "2 minutes").summaryLines, ["A/R1 payable 10.00"])
    }

    func testClickInjectionByTimeFromTouchToOrder() throws {
        var scenario = Scenario("fraud {\n  reject touch \"click injection\" when order.at - touch.at < 10 seconds\n}\n" + pay)
        scenario.clicks += "c1,2026-01-01T00:00:00Z,R2,ann\nc2,2026-01-02T11:59:50Z,R1,ann\nc3,2026-01-03T11:59:51Z,R1,bob\n"
        scenario.orders += "A,2026-01-02T12:00:00Z,ann,X,1,100.00\nB,2026-01-03T12:00:00Z,bob,X,1,100.00\n"
        // A: exactly 10 seconds is not less than 10 seconds; B: 9 seconds is.
        let run = try scenario.run()
        XCTAssertEqual(run.summaryLines, ["A/R1 payable 10.00"])
        XCTAssertEqual(run.result?.unattributed, ["B"])
    }

    func testLeakedCouponByDistinctCustomers() throws {
        var scenario = Scenario("fraud {\n  hold order \"leaked code\" when distinct(orders.customer by order.coupon within 1 day) > 2\n}\n" + pay)
        scenario.assignments = "code,referrer\nTOM15,R1\n"
        scenario.orders = """
            order,at,customer,sku,qty,price,promo_codes
            A,2026-01-02T00:00:00Z,ann,X,1,100.00,TOM15
            B,2026-01-02T01:00:00Z,bob,X,1,100.00,TOM15
            C,2026-01-02T02:00:00Z,bob,X,1,100.00,TOM15
            D,2026-01-02T03:00:00Z,cy,X,1,100.00,TOM15
            E,2026-01-03T03:00:01Z,dee,X,1,100.00,TOM15

            """
        // D is the third distinct customer in a day; E is more than a day after A, B, C.
        XCTAssertEqual(try scenario.run().summaryLines, ["A/R1 payable 10.00", "B/R1 payable 10.00", "C/R1 payable 10.00", "D/R1 held 10.00", "E/R1 payable 10.00"])
    }

    func testResellerPatternBySumOfOrders() throws {
        var scenario = Scenario("fraud {\n  hold order \"reseller\" when sum(orders.net by order.customer within 7 days) > 300 USD\n}\n" + pay)
        scenario.clicks += "c1,2026-01-01T00:00:00Z,R1,ann\n"
        scenario.orders += "A,2026-01-02T00:00:00Z,ann,X,1,200.00\nB,2026-01-03T00:00:00Z,ann,X,1,100.00\nC,2026-01-04T00:00:00Z,ann,X,1,0.01\n"
        XCTAssertEqual(try scenario.run().summaryLines, ["A/R1 payable 20.00", "B/R1 payable 10.00", "C/R1 held 0.00"])
    }

    func testSelfReferralIsRejectedWithItsReasonInTheTrace() throws {
        var scenario = Scenario("fraud {\n  reject order \"self-referral\" when lower(trim(order.customer.email)) == lower(trim(referrer.email))\n}\n" + pay)
        scenario.clicks += "c1,2026-01-01T00:00:00Z,R1,ann\n"
        scenario.orders = "order,at,customer,email,sku,qty,price\nA,2026-01-02T00:00:00Z,ann, R1@X.COM ,X,1,100.00\n"
        let run = try scenario.run()
        XCTAssertEqual(run.summaryLines, ["A/R1 rejected 0.00"])
        let check = try XCTUnwrap(run.decision("A/R1")?.trace.fraud.first)
        XCTAssertEqual(check.reason, "self-referral")
        XCTAssertEqual(check.saw.map { "\($0.0) = \($0.1)" }, ["order.customer.email = \"R1@X.COM\"", "referrer.email = \"r1@x.com\""])
    }

    func testEmailsAreComparedTrimmedAndLowerCased() throws {
        var scenario = Scenario("fraud {\n  reject order \"self-referral\" when order.customer.email == referrer.email\n}\n" + pay)
        scenario.clicks += "c1,2026-01-01T00:00:00Z,R1,ann\n"
        scenario.orders = "order,at,customer,email,sku,qty,price\nA,2026-01-02T00:00:00Z,ann,\" R1@X.COM\",X,1,100.00\n"
        XCTAssertEqual(try scenario.run().summaryLines, ["A/R1 rejected 0.00"])
    }

    func testHeldOrdersAreReleasedOrRejectedByAResolutionsFile() throws {
        var scenario = Scenario("fraud {\n  hold order \"large order\" when order.net > 500 USD\n}\n" + pay + "hold 10 days\nlimit 100 USD per referrer per month\n")
        scenario.clicks += "c1,2026-01-01T00:00:00Z,R1,ann\n"
        scenario.orders += "A,2026-01-02T00:00:00Z,ann,X,1,600.00\nB,2026-01-03T00:00:00Z,ann,X,1,700.00\nC,2026-01-04T00:00:00Z,ann,X,1,800.00\nD,2026-01-05T00:00:00Z,ann,X,1,100.00\n"
        scenario.resolutions = "order,action,who,note\nA,release,maria,called the customer\nB,reject,maria,reseller\n"
        let run = try scenario.run(asOf: "2026-01-31")
        XCTAssertEqual(run.summaryLines, ["A/R1 payable 60.00", "B/R1 rejected 0.00", "C/R1 capped 0.00", "D/R1 capped 0.00"],
                       "B's cap room stays used after it is rejected; C, held, is capped")
        XCTAssertEqual(run.decision("A/R1")?.payableOn?.description, "2026-01-12", "a release follows the return-window hold from the order date")
        XCTAssertEqual(run.decision("B/R1")?.trace.resolution, "rejected on review by maria: reseller (resolutions.csv:3)")
    }

    func testHoldTouchHoldsTheReferrersDecision() throws {
        var scenario = Scenario("fraud {\n  hold touch \"unsigned link\" when touch.channel == \"shop\" and not touch.signed\n}\n" + pay)
        let secret = "a-signing-key-for-the-test-0123"
        scenario.extraFiles = ["link.key": secret]
        scenario.extraYAML = "tokens:\n  keys:\n    - { id: link, file: link.key }\n"
        let token = TrackingToken(keyID: "link", referrer: "R2").signed(with: Array(secret.utf8))
        scenario.clicks = "id,at,referrer,customer,channel,token\nc1,2026-01-01T00:00:00Z,R1,ann,shop,\nc2,2026-01-01T01:00:00Z,R2,bob,shop,\(token)\n"
        scenario.orders += "A,2026-01-02T00:00:00Z,ann,X,1,100.00\nB,2026-01-02T00:00:00Z,bob,X,1,100.00\n"
        XCTAssertEqual(try scenario.run().summaryLines, ["A/R1 held 10.00", "B/R2 payable 10.00"])
    }
}
