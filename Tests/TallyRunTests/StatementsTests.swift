@testable import TallyRun
import XCTest

/// Statements sum earnings by referrer index and month before naming them: the rows must
/// be those of summing by name, even for decisions whose index another referrer shares.
final class StatementsTests: XCTestCase {
    func testEarningsSummedByIndexAreTheOnesSummedByName() throws {
        let run = try Scenario.with("rule base {\n  pay 10% of credit.net\n}\n", orders: """
            A,2026-01-02T00:00:00Z,ann,X,1,100.00
            B,2026-01-25T00:00:00Z,bob,X,1,200.00
            C,2026-02-03T00:00:00Z,ann,X,1,300.00
            D,2026-03-04T00:00:00Z,bob,X,1,400.00

            """, clicks: "c1,2026-01-01T00:00:00Z,R1,ann\nc2,2026-01-01T00:00:00Z,R2,bob\nc3,2026-02-01T00:00:00Z,R1,ann\nc4,2026-03-01T00:00:00Z,R2,bob\n").run(asOf: "2026-03-31")
        let plan = try XCTUnwrap(run.plan)
        var result = try XCTUnwrap(run.result)
        func rows(_ rows: [StatementRow]) -> [String] { rows.map { "\($0.referrer) \($0.month) earned \($0.earned) paid \($0.paid)" } }
        XCTAssertEqual(rows(result.statements), [
            "R1 2026-01 earned 1000 paid 1000", "R1 2026-02 earned 3000 paid 3000", "R1 2026-03 earned 0 paid 0",
            "R2 2026-01 earned 2000 paid 2000", "R2 2026-02 earned 0 paid 0", "R2 2026-03 earned 4000 paid 4000",
        ])
        XCTAssertEqual(rows(Statements.build(plan: plan, result: result, asOf: result.asOf)), rows(result.statements))
        // Every decision under one index: the second referrer's are summed by name.
        for index in result.decisions.indices { result.decisions[index].referrerIndex = 0 }
        XCTAssertEqual(rows(Statements.build(plan: plan, result: result, asOf: result.asOf)), rows(result.statements))
    }
}
