import Foundation
import TallyAudit
import TallyDriver
import TallyRun
import XCTest

/// DESIGN.md: corrections never rewrite history. A re-run given the decisions already
/// paid keeps them and books the differences as correction records.
final class CorrectionTests: XCTestCase {
    func testARetroactiveRateFixBooksCorrectionsAgainstWhatWasPaid() throws {
        var scenario = Scenario("rule base {\n  pay 10% of credit.net\n}\n")
        scenario.clicks += "c1,2026-01-01T00:00:00Z,R1,ann\nc2,2026-01-01T00:00:00Z,R2,bob\n"
        scenario.orders += "A,2026-01-02T00:00:00Z,ann,X,1,100.00\nB,2026-01-03T00:00:00Z,bob,X,1,50.00\n"
        let first = try scenario.run(asOf: "2026-01-31")
        let paidLedger = try XCTUnwrap(first.outputs?.decisions)
        let paidFile = FileManager.default.temporaryDirectory.appendingPathComponent("paid-\(UUID().uuidString).jsonl")
        try paidLedger.write(to: paidFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: paidFile) }

        // The rate is fixed to 12% and bob's click turns out to be R1's: a re-run in February.
        var fixed = Scenario("rule base {\n  pay 12% of credit.net\n}\n")
        fixed.clicks += "c1,2026-01-01T00:00:00Z,R1,ann\nc2,2026-01-01T00:00:00Z,R1,bob\n"
        fixed.orders = scenario.orders
        let rerun = try fixed.run(asOf: "2026-02-28", paid: paidFile.path)
        XCTAssertEqual(rerun.summaryLines, ["A/R1 payable 10.00", "B/R1 payable 6.00"], "what was paid stays paid; B/R1 is new")
        let corrections = try XCTUnwrap(rerun.result?.adjustments).filter { $0.kind == .correction }
        XCTAssertEqual(corrections.map { "\($0.id) \($0.month) \($0.amount)" }, ["A/R1/correction 2026-02 200", "B/R2/correction 2026-02 -500"])
        XCTAssertTrue(corrections[0].reason.contains("rules changed since it was paid"), corrections[0].reason)
        XCTAssertTrue(corrections[1].reason.contains("no longer stands"), corrections[1].reason)
        let february = try XCTUnwrap(rerun.result?.statements.filter { $0.month.description == "2026-02" })
        XCTAssertEqual(february.map { "\($0.referrer) \($0.corrections)" }, ["R1 200", "R2 -500"])
    }
}
